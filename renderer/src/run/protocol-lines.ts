/**
 * Hiding the agents' protocol lines (`@lab {"type":"heartbeat",…}`) from the output panes. The
 * panes hold output as chunks cut at arbitrary characters, so a line may start in one chunk and
 * end in the next: each chunk is filtered with the start of the line it continues (`head`), and
 * hands the start of its own last, unfinished line to the next chunk. Pure and per chunk, so a
 * redraw filters only the chunk that changed.
 */

export const PROTOCOL_PREFIX = '@lab ';

/** Characters of a line's start that decide whether it is a protocol line. */
const HEAD_CHARS = 16;

function isProtocol(lineStart: string): boolean {
  const t = lineStart.replace(/^[\s\r]+/, '');
  // A line too short to tell yet that could still become "@lab " is hidden: it is at most 4 chars.
  return (
    t.startsWith(PROTOCOL_PREFIX) ||
    (t.length < PROTOCOL_PREFIX.length && PROTOCOL_PREFIX.startsWith(t) && t.length > 0)
  );
}

export interface Filtered {
  text: string;
  /** The start of the chunk's last, unfinished line: the next chunk's `head`. */
  head: string;
}

/** `text` without its protocol lines; `head` is the start of the line the chunk begins inside. */
export function hideProtocolLines(text: string, head: string): Filtered {
  const parts = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lineStart = i === 0 ? head + part : part;
    const last = i === parts.length - 1;
    // Only a line's start decides, so both halves of a split line get the same answer.
    if (!isProtocol(lineStart.slice(0, HEAD_CHARS))) out.push(last ? part : `${part}\n`);
  }
  const tail = parts[parts.length - 1]!;
  const nextHead = (parts.length === 1 ? head + tail : tail).slice(0, HEAD_CHARS);
  return { text: out.join(''), head: nextHead };
}

/** The head each chunk starts with, computed from the chunks before it (cheap: last line only). */
export function chunkHeads(texts: readonly string[]): string[] {
  const heads: string[] = [];
  let head = '';
  for (const t of texts) {
    heads.push(head);
    const nl = t.lastIndexOf('\n');
    head = (nl < 0 ? head + t : t.slice(nl + 1)).slice(0, HEAD_CHARS);
  }
  return heads;
}
