/**
 * Redraws that share the animation frames: at most one job per frame, oldest first, each key
 * queued once (a newer job for a key replaces the queued one and keeps its place). While a run
 * streams, the live-state fold, two chart updates and the output panes each take a few ms; in a
 * Chromium trace of the console bench they landed in the same frame often enough to push p95 past
 * 16.7 ms. Spread one per frame, each frame keeps its budget and every redraw still lands within a
 * few frames.
 */
export class FrameJobs {
  private readonly queue = new Map<string, () => void>();
  private pending = false;

  constructor(private readonly requestFrame: (cb: () => void) => void) {}

  /** Queues `job` under `key`; returns a cancel that drops it if it has not run yet. */
  run(key: string, job: () => void): () => void {
    this.queue.set(key, job);
    this.schedule();
    return () => {
      if (this.queue.get(key) === job) this.queue.delete(key);
    };
  }

  get size(): number {
    return this.queue.size;
  }

  private schedule(): void {
    if (this.pending || this.queue.size === 0) return;
    this.pending = true;
    this.requestFrame(() => {
      this.pending = false;
      const next = this.queue.entries().next();
      if (!next.done) {
        const [key, job] = next.value;
        this.queue.delete(key);
        try {
          job();
        } finally {
          this.schedule();
        }
      }
    });
  }
}

let shared: FrameJobs | null = null;

/** The page's one queue: every streaming redraw goes through it so they never pile into one frame. */
export function frameJobs(): FrameJobs {
  shared ??= new FrameJobs((cb) => void requestAnimationFrame(cb));
  return shared;
}

let nextKey = 0;
/** A key unique to the caller (a chart, a pane store) for the life of the page. */
export function frameJobKey(prefix: string): string {
  nextKey += 1;
  return `${prefix}-${nextKey}`;
}
