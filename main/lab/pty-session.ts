/**
 * One target process on a pseudo-terminal. Output that arrives on a quiet stream is passed on in
 * the same turn of the event loop; output that keeps coming is buffered and flushed every few ms
 * as one joined string (a flood never reaches listeners one chunk at a time). The pty is paused
 * while any consumer is more than a high watermark of characters behind, resumed below a low one
 * (VS Code's terminal flow control).
 */
import fs from 'node:fs';
import * as pty from 'node-pty';
import { Emitter, type Disposable, type Event } from '../util/event';
import { LabError } from '../util/errors';
import { atTargetPriority } from './priority';

/** Output is joined and flushed at this period: short enough to feel live, long enough to batch. */
export const FLUSH_MS = 5;
/**
 * A flood fills a batch within one flush period; past this size it is flushed at once, so batches
 * stay small strings instead of megabyte joins (bench/pty-ingest.ts measured 170-270 K per batch).
 */
export const MAX_BATCH_CHARS = 64 * 1024;
/** Pause the pty when a consumer has this many unacknowledged chars (VS Code uses the same). */
export const HIGH_WATERMARK_CHARS = 100_000;
/** Resume once every consumer is back under this. */
export const LOW_WATERMARK_CHARS = 5_000;
/**
 * A consumer that has not acknowledged anything for this long no longer holds the pty paused: a
 * closed window or a dropped socket must not freeze a probe forever.
 */
export const STALE_CONSUMER_MS = 5_000;
/**
 * Once the process has exited, the engine's own descriptor on the terminal's slave side is closed
 * this long after node-pty learns of the exit (see PtySession.holdSlave): time for the last output
 * to be read, well inside the 200 ms node-pty waits before it drops the terminal.
 */
export const SLAVE_RELEASE_MS = 20;
/** A disposed session lets the slave go after this long even if no exit was ever reported. */
const DISPOSED_SLAVE_RELEASE_MS = 1000;

/** node-pty 1.1's read stream over the pty master, and the slave's path (`/dev/pts/N`). */
function internalsOf(proc: pty.IPty): { socket: NodeJS.EventEmitter | null; slavePath: string | null } {
  const p = proc as unknown as { _socket?: { on?: unknown }; _pty?: unknown };
  const socket = typeof p._socket?.on === 'function' ? (p._socket as NodeJS.EventEmitter) : null;
  const slavePath = typeof p._pty === 'string' && /^\/dev\/pts\/\d+$/.test(p._pty) ? p._pty : null;
  return { socket, slavePath };
}

export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols?: number;
  rows?: number;
}

export interface PtyExit {
  exitCode: number;
  signal: number | null;
}

export interface AckChannel extends Disposable {
  ack(chars: number): void;
}

interface Consumer {
  acked: number;
  lastAckAt: number;
}

export class PtySession implements Disposable {
  private readonly proc: pty.IPty;
  private readonly dataEmitter = new Emitter<string>();
  private readonly rawEmitter = new Emitter<string>();
  private readonly exitEmitter = new Emitter<PtyExit>();
  private pending: string[] = [];
  private pendingChars = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushSoon: NodeJS.Immediate | null = null;
  private lastFlushAt = -Infinity;
  private emittedChars = 0;
  private consumers = new Set<Consumer>();
  private paused = false;
  private staleTimer: NodeJS.Timeout | null = null;
  private exitInfo: PtyExit | null = null;
  private disposed = false;
  private slaveFd: number | null = null;
  /** node-pty has seen the process exit: the terminal is read to its end, never paused again. */
  private ending = false;
  readonly exited: Promise<PtyExit>;
  /** Batched output (one joined string per flush): for forwarding, logging and display. */
  readonly onDidData: Event<string> = this.dataEmitter.event;
  /**
   * Each chunk as the pty delivers it, synchronously: for the engine's own parsers, so a round
   * trip is timed at the answer's arrival and not at the next flush (which would add up to
   * FLUSH_MS to every measurement).
   */
  readonly onDidRawData: Event<string> = this.rawEmitter.event;
  readonly onDidExit: Event<PtyExit> = this.exitEmitter.event;
  /** Total characters received from the pty. */
  receivedChars = 0;

  private constructor(proc: pty.IPty) {
    this.proc = proc;
    let resolveExit!: (e: PtyExit) => void;
    this.exited = new Promise((r) => (resolveExit = r));
    proc.onData((d) => {
      this.receivedChars += d.length;
      this.rawEmitter.fire(d);
      this.pending.push(d);
      this.pendingChars += d.length;
      if (this.pendingChars >= MAX_BATCH_CHARS) this.flush();
      else if (!this.flushTimer && !this.flushSoon) {
        // A stream that has been quiet for a flush period (a heartbeat, an answer) is flushed in
        // this turn of the event loop, after the chunks read with it: a timer would wake the
        // engine a second time for every line an idle target prints (26 wake-ups a second for 20
        // agents, measured). Only output that follows a flush within FLUSH_MS waits to be batched.
        const since = performance.now() - this.lastFlushAt;
        if (since >= FLUSH_MS) this.flushSoon = setImmediate(() => this.flush());
        else this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS - since);
      }
    });
    this.holdSlave();
    proc.onExit(({ exitCode, signal }) => {
      this.releaseSlave();
      this.flush();
      this.exitInfo = { exitCode, signal: signal ? signal : null };
      if (this.staleTimer) clearInterval(this.staleTimer);
      this.exitEmitter.fire(this.exitInfo);
      resolveExit(this.exitInfo);
    });
  }

  static spawn(opts: PtySpawnOptions): PtySession {
    try {
      // Targets run at the priority the engine was started with (main/lab/priority.ts).
      const cmd = atTargetPriority(opts.file, opts.args);
      const proc = pty.spawn(cmd.file, cmd.args, {
        name: 'xterm-256color',
        cols: opts.cols ?? 120,
        rows: opts.rows ?? 40,
        cwd: opts.cwd,
        env: opts.env,
      });
      return new PtySession(proc);
    } catch (err) {
      throw new LabError('SPAWN_FAILED', `could not start ${opts.file}: ${(err as Error).message}`);
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  write(data: string): void {
    if (!this.exitInfo) this.proc.write(data);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitInfo) return;
    try {
      this.proc.kill(signal);
    } catch {
      /* already gone */
    }
  }

  /**
   * Keeps the terminal's slave side open in the engine (O_NOCTTY: it never becomes the engine's
   * terminal) until the process has exited and its last output was read. Without it, the target's
   * exit closes the last slave descriptor, Linux ends the master's reads with EIO, and node-pty
   * stops reading with output still in the terminal: raw node-pty running `seq 1 30000`, which
   * exits the moment it has written, lost lines in 5 of 12 runs; with the slave held, in 0 of 12
   * (a throwaway harness; pty-session.test.ts runs it 8 times). node-pty listens for the socket's
   * close once it has seen the process exit (it then waits up to 200 ms for it): SLAVE_RELEASE_MS
   * later the slave is let go, the last output has been read, and the close comes. A descendant
   * that keeps the terminal open (a daemon) is read, unpaused, until node-pty's 200 ms are up.
   */
  private holdSlave(): void {
    const { socket, slavePath } = internalsOf(this.proc);
    if (!socket || !slavePath) return;
    try {
      this.slaveFd = fs.openSync(slavePath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    } catch {
      return; // already gone: node-pty's own path applies
    }
    socket.on('newListener', (event: string) => {
      if (event !== 'close') return;
      // The process has exited: whatever the terminal still holds is read now, even when a
      // consumer that lags had paused it (the log keeps every byte; the consumer gets the rest
      // late), and it is never paused again.
      this.ending = true;
      if (this.paused) {
        this.paused = false;
        this.proc.resume();
      }
      setTimeout(() => this.releaseSlave(), SLAVE_RELEASE_MS).unref();
    });
  }

  private releaseSlave(): void {
    if (this.slaveFd === null) return;
    try {
      fs.closeSync(this.slaveFd);
    } catch {
      /* already closed */
    }
    this.slaveFd = null;
  }

  /**
   * A consumer that acknowledges what it has processed. Until it acks, everything emitted after it
   * opened counts against it.
   */
  openAckChannel(): AckChannel {
    const c: Consumer = { acked: this.emittedChars, lastAckAt: Date.now() };
    this.consumers.add(c);
    this.staleTimer ??= setInterval(() => this.updateFlow(), 1000);
    this.staleTimer.unref();
    return {
      ack: (chars: number) => {
        c.acked = Math.min(this.emittedChars, c.acked + Math.max(0, chars));
        c.lastAckAt = Date.now();
        this.updateFlow();
      },
      dispose: () => {
        this.consumers.delete(c);
        this.updateFlow();
      },
    };
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.flushSoon) {
      clearImmediate(this.flushSoon);
      this.flushSoon = null;
    }
    if (!this.pending.length) return;
    this.lastFlushAt = performance.now();
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.emittedChars += data.length;
    this.dataEmitter.fire(data);
    this.updateFlow();
  }

  private updateFlow(): void {
    if (this.exitInfo || this.ending) return;
    const now = Date.now();
    let behind = 0;
    for (const c of this.consumers) {
      const lag = this.emittedChars - c.acked;
      if (lag > 0 && now - c.lastAckAt > STALE_CONSUMER_MS) continue;
      behind = Math.max(behind, lag);
    }
    if (!this.paused && behind > HIGH_WATERMARK_CHARS) {
      this.paused = true;
      this.proc.pause();
    } else if (this.paused && behind < LOW_WATERMARK_CHARS) {
      this.paused = false;
      this.proc.resume();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.flush();
    if (this.staleTimer) clearInterval(this.staleTimer);
    this.kill('SIGKILL');
    // The exit lets the slave go; this covers a session whose exit never comes.
    setTimeout(() => this.releaseSlave(), DISPOSED_SLAVE_RELEASE_MS).unref();
    this.dataEmitter.dispose();
    this.rawEmitter.dispose();
    this.exitEmitter.dispose();
  }
}
