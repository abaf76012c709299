/**
 * The event link's health, as one small observable store that React reads with
 * useSyncExternalStore. The browser client writes it; the header banner and the live screen
 * (which refetches its state after a reconnect) read it.
 */
export type LinkState = 'ipc' | 'connecting' | 'open' | 'down' | 'no-token';

export interface ConnectionStatus {
  state: LinkState;
  /** Frames refused by the parser since the page loaded. */
  malformedFrames: number;
  /** Successful (re)connections; a change means events may have been missed. */
  epoch: number;
  /** When the next reconnect attempt is due (ms since epoch), while down. */
  retryAt: number | null;
  /** The server dropped output for this console (it fell behind); `seq` counts notices. */
  outputDropped: { seq: number; runIds: string[]; chars: number } | null;
}

export class ConnectionStore {
  private status: ConnectionStatus;
  private readonly listeners = new Set<() => void>();

  constructor(initial: LinkState) {
    this.status = { state: initial, malformedFrames: 0, epoch: 0, retryAt: null, outputDropped: null };
  }

  readonly get = (): ConnectionStatus => this.status;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  update(patch: Partial<ConnectionStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of [...this.listeners]) l();
  }

  noteOutputDropped(runIds: string[], chars: number): void {
    this.update({ outputDropped: { seq: (this.status.outputDropped?.seq ?? 0) + 1, runIds, chars } });
  }

  countMalformed(): void {
    this.update({ malformedFrames: this.status.malformedFrames + 1 });
  }
}
