/** A disposable, VS Code style: everything that owns a listener, timer, port or child is one. */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

/**
 * A private emitter paired with a public `onDidX` event. A throwing listener never breaks the
 * emitter or the other listeners: observers cannot break a run (Chaos Toolkit's rule).
 */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  /**
   * The listeners as an array, made again only after a change: fire() iterates a copy (a listener
   * added or removed while firing does not change this round), and a pty flood fires once per
   * 4 KiB read, so copying the set on every fire was garbage for nothing.
   */
  private snapshot: ((e: T) => void)[] | null = null;
  private disposed = false;
  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    this.listeners.add(listener);
    this.snapshot = null;
    return {
      dispose: () => {
        if (this.listeners.delete(listener)) this.snapshot = null;
      },
    };
  };

  fire(e: T): void {
    const listeners = (this.snapshot ??= [...this.listeners]);
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.snapshot = null;
  }
}

export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  add<D extends Disposable>(d: D): D {
    this.items.push(d);
    return d;
  }
  dispose(): void {
    const items = this.items.splice(0).reverse();
    for (const d of items) {
      try {
        d.dispose();
      } catch {
        /* disposal is best effort; one failure must not stop the rest */
      }
    }
  }
}

export const toDisposable = (fn: () => void): Disposable => ({ dispose: fn });
