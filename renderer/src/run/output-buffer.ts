/**
 * Agent output as the console keeps it: plain text per target, capped at OUTPUT_PANE_MAX_CHARS so
 * a flooding agent cannot grow the page without bound. The oldest text goes first, cut at a line
 * break where one is near, so the pane does not start mid-line.
 */

/** Retained text per pane (~200 KB): a screenful of scrollback many times over, cheap to redraw. */
export const OUTPUT_PANE_MAX_CHARS = 200_000;
/** How far past the cut to look for a line break before cutting mid-line. */
const LINE_SEARCH_CHARS = 2_000;

export function appendCapped(current: string, data: string, max = OUTPUT_PANE_MAX_CHARS): { text: string; dropped: number } {
  const joined = current + data;
  if (joined.length <= max) return { text: joined, dropped: 0 };
  let cut = joined.length - max;
  const nl = joined.indexOf('\n', cut);
  if (nl >= 0 && nl - cut < LINE_SEARCH_CHARS && nl + 1 < joined.length) cut = nl + 1;
  return { text: joined.slice(cut), dropped: cut };
}

/**
 * Per-target text plus the characters not yet acknowledged to the host. The host pauses a target
 * above a high watermark of unacknowledged output, so the console acknowledges only what it has
 * actually drawn (VS Code's flow control).
 */
export class OutputStore {
  private readonly texts = new Map<string, string>();
  private readonly unacked = new Map<string, number>();
  private readonly droppedChars = new Map<string, number>();
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  constructor(private readonly schedule: (cb: () => void) => void) {}

  append(targetId: string, data: string): void {
    const r = appendCapped(this.texts.get(targetId) ?? '', data);
    this.texts.set(targetId, r.text);
    this.unacked.set(targetId, (this.unacked.get(targetId) ?? 0) + data.length);
    if (r.dropped > 0) this.droppedChars.set(targetId, (this.droppedChars.get(targetId) ?? 0) + r.dropped);
    this.notifySoon();
  }

  /** The host's retained tails (a late joiner's starting text); replaces what is shown. */
  seed(tails: { targetId: string; tail: string }[]): void {
    for (const t of tails) this.texts.set(t.targetId, appendCapped('', t.tail).text);
    this.notifySoon();
  }

  text(targetId: string): string {
    return this.texts.get(targetId) ?? '';
  }

  dropped(targetId: string): number {
    return this.droppedChars.get(targetId) ?? 0;
  }

  targetIds(): string[] {
    return [...this.texts.keys()];
  }

  /** Characters appended since the last call, per target; the caller acks them. */
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
      this.version += 1;
      for (const l of [...this.listeners]) l();
    });
  }
}
