/**
 * Agent output as the console keeps it: plain text per target, held as a list of chunks of at most
 * OUTPUT_CHUNK_CHARS and capped at about OUTPUT_PANE_MAX_CHARS, so a flooding agent cannot grow
 * the page without bound. Chunks let a pane redraw only its last block: appending changes one
 * chunk, and the oldest text leaves a whole chunk at a time.
 */

/** Retained text per pane (~200 KB): a screenful of scrollback many times over. */
export const OUTPUT_PANE_MAX_CHARS = 200_000;
/**
 * Text per chunk. Each chunk is its own block on the page, so an append lays out at most this much
 * text instead of the whole pane; measured with a flooding agent, redrawing 200 KB every frame
 * made 40 long tasks in 10 s, redrawing one chunk almost none.
 */
export const OUTPUT_CHUNK_CHARS = 8_192;

export interface OutputChunk {
  /** Stable per target: the key a pane draws the chunk under. */
  id: number;
  text: string;
}

interface Pane {
  chunks: OutputChunk[];
  length: number;
  dropped: number;
  nextId: number;
}

/** Appends `data` to `pane` (a new Pane; the old one is untouched) and drops the oldest chunks above `max`. */
export function appendChunked(
  pane: Pane,
  data: string,
  max = OUTPUT_PANE_MAX_CHARS,
  chunkChars = OUTPUT_CHUNK_CHARS,
): Pane {
  const chunks = [...pane.chunks];
  let { nextId, dropped } = pane;
  let rest = data;
  const last = chunks[chunks.length - 1];
  if (last !== undefined && last.text.length < chunkChars) {
    const room = chunkChars - last.text.length;
    chunks[chunks.length - 1] = { id: last.id, text: last.text + rest.slice(0, room) };
    rest = rest.slice(room);
  }
  // Only the newest `max` chars of `rest` could survive the cap.
  if (rest.length > max) {
    dropped += rest.length - max;
    rest = rest.slice(rest.length - max);
  }
  for (let i = 0; i < rest.length; i += chunkChars)
    chunks.push({ id: nextId++, text: rest.slice(i, i + chunkChars) });
  let length = chunks.reduce((n, c) => n + c.text.length, 0);
  while (length > max && chunks.length > 1) {
    const first = chunks.shift();
    if (first === undefined) break;
    length -= first.text.length;
    dropped += first.text.length;
  }
  return { chunks, length, dropped, nextId };
}

const EMPTY: Pane = { chunks: [], length: 0, dropped: 0, nextId: 0 };
const NO_CHUNKS: readonly OutputChunk[] = [];

/**
 * Per-target output plus the characters not yet acknowledged to the host. The host pauses a target
 * above a high watermark of unacknowledged output, so the console acknowledges only what it has
 * drawn (VS Code's flow control), including text it drew and then let go of under the cap.
 */
export class OutputStore {
  private readonly panes = new Map<string, Pane>();
  /**
   * The panes as of the last notify: what the page draws. A render for another reason (the live
   * state's four flushes a second) then redraws no output, which only changes on notify.
   */
  private shown = new Map<string, Pane>();
  private readonly unacked = new Map<string, number>();
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  constructor(private readonly schedule: (cb: () => void) => void) {}

  append(targetId: string, data: string): void {
    this.panes.set(targetId, appendChunked(this.panes.get(targetId) ?? EMPTY, data));
    this.unacked.set(targetId, (this.unacked.get(targetId) ?? 0) + data.length);
    this.notifySoon();
  }

  /** The host's retained tails (a late joiner's starting text); replaces what is shown. */
  seed(tails: { targetId: string; tail: string }[]): void {
    for (const t of tails) {
      const nextId = (this.panes.get(t.targetId)?.nextId ?? 0) + 1;
      this.panes.set(t.targetId, appendChunked({ ...EMPTY, nextId }, t.tail));
    }
    this.notifySoon();
  }

  chunks(targetId: string): readonly OutputChunk[] {
    return this.panes.get(targetId)?.chunks ?? [];
  }

  text(targetId: string): string {
    return this.chunks(targetId)
      .map((c) => c.text)
      .join('');
  }

  dropped(targetId: string): number {
    return this.panes.get(targetId)?.dropped ?? 0;
  }

  targetIds(): string[] {
    return [...this.panes.keys()];
  }

  /** What to draw: the chunks as of the last notify (a stable array between notifies). */
  shownChunks(targetId: string): readonly OutputChunk[] {
    return this.shown.get(targetId)?.chunks ?? NO_CHUNKS;
  }

  shownDropped(targetId: string): number {
    return this.shown.get(targetId)?.dropped ?? 0;
  }

  shownTargetIds(): string[] {
    return [...this.shown.keys()];
  }

  /** Characters appended since the last call, per target; the caller acks them once drawn. */
  takeUnacked(): { targetId: string; chars: number }[] {
    const out = [...this.unacked].filter(([, n]) => n > 0).map(([targetId, chars]) => ({ targetId, chars }));
    this.unacked.clear();
    return out;
  }

  readonly getVersion = (): number => this.version;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /** Many batches in one frame cause one redraw. */
  private notifySoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.shown = new Map(this.panes);
      this.version += 1;
      for (const l of [...this.listeners]) l();
    });
  }
}

/**
 * Characters a pane draws while it follows the live end (about 100 lines of 80 columns, many
 * screenfuls of a 240 px pane). Drawing the whole 200 KB tail made every redraw re-lay out and
 * measure it: in a Chromium trace of the console bench, the pane's scroll-to-bottom forced 25-48 ms
 * layouts, the main cause of dropped frames. Scrolling up draws everything retained.
 */
export const FOLLOW_DRAW_CHARS = 12_000;

/** The newest chunks holding at least `chars` characters (all of them if there are fewer). */
export function tailChunks(
  chunks: readonly OutputChunk[],
  chars = FOLLOW_DRAW_CHARS,
): readonly OutputChunk[] {
  let n = 0;
  for (let i = chunks.length - 1; i >= 0; i--) {
    n += chunks[i]!.text.length;
    if (n >= chars) return i === 0 ? chunks : chunks.slice(i);
  }
  return chunks;
}
