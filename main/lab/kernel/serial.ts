/**
 * The serial console as a stream of facts: lines (split on `\r*\n`, as node-pty delivers
 * `\r\r\n`), heartbeats, the ready marker, device lines and shell prompts. It also spots busybox's
 * cursor-position query (`ESC[6n`), which the shell sends at every prompt and then waits 20 ms for
 * after each Enter when nobody answers; the owner answers it so round trips stay near 1-3 ms.
 *
 * Heartbeats are written by a separate guest process, so one can land in the middle of a line the
 * shell had not finished (typically right after the prompt): they are matched anywhere in a line
 * and cut out, and whatever preceded them is still checked for the prompt.
 */
import { Emitter, type Disposable, type Event } from '../../util/event';
import { LabError } from '../../util/errors';

/** Heartbeat line printed once a second by the guest init (resources/lab-kernel/init). */
export const HEARTBEAT_RE = /LAB-HB seq=(\d+) up=(\d+(?:\.\d+)?) memavail_kb=(\d+) load1=(\d+(?:\.\d+)?)/;
export const DEVICES_RE = /^LAB-DEV disk=(\S+) nic=(\S+)/;
const READY_DETAIL_RE = /kernel=(\S+) memtotal_kb=(\d+)/;
export const CURSOR_QUERY = '\x1b[6n';
/** The answer a terminal would give: row 1, column 1. busybox only uses it to correct its cursor idea. */
export const CURSOR_ANSWER = '\x1b[1;1R';
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]/g;
/** A line without a newline this long is flushed as a line anyway: a flood must not grow memory. */
const MAX_PARTIAL_CHARS = 64 * 1024;

export interface Heartbeat {
  seq: number;
  /** Guest uptime in seconds (frozen while the VM is stopped). */
  uptimeSec: number;
  memAvailableKb: number;
  load1: number;
  /** Host monotonic time (performance.now()) when the line arrived. */
  at: number;
}

export interface SerialLine {
  text: string;
  at: number;
}

export interface ReadyInfo {
  at: number;
  line: string;
  kernelRelease: string | null;
  memTotalKb: number | null;
}

export interface DeviceInfo {
  disk: string | null;
  nic: string | null;
}

/** A user-supplied pattern as a RegExp; an invalid one is a coded error, not a crash. */
export function compilePattern(name: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new LabError(
      'PLAN_INVALID',
      `${name} is not a valid regular expression: ${(err as Error).message}`,
    );
  }
}

export const stripAnsi = (s: string): string => s.replace(ANSI_RE, '');

export function parseHeartbeat(text: string, at: number): Heartbeat | null {
  const m = HEARTBEAT_RE.exec(text);
  if (!m) return null;
  return {
    seq: Number(m[1]),
    uptimeSec: Number(m[2]),
    memAvailableKb: Number(m[3]),
    load1: Number(m[4]),
    at,
  };
}

export interface SerialParserOptions {
  readyPattern: string;
  promptPattern: string;
  now?: () => number;
}

export class SerialParser implements Disposable {
  private partial = '';
  /** The prompt fires once per line, however many chunks extend that line. */
  private promptFiredThisLine = false;
  /** Last characters of the previous chunk, so an ESC[6n split across chunks is still seen. */
  private tail = '';
  private readonly readyRe: RegExp;
  private readonly promptRe: RegExp;
  private readonly now: () => number;
  private readonly lineEmitter = new Emitter<SerialLine>();
  private readonly heartbeatEmitter = new Emitter<Heartbeat>();
  private readonly readyEmitter = new Emitter<ReadyInfo>();
  private readonly promptEmitter = new Emitter<number>();
  private readonly cursorQueryEmitter = new Emitter<number>();
  readonly onDidLine: Event<SerialLine> = this.lineEmitter.event;
  readonly onDidHeartbeat: Event<Heartbeat> = this.heartbeatEmitter.event;
  readonly onDidReady: Event<ReadyInfo> = this.readyEmitter.event;
  /** Fires with the prompt count each time the shell shows its prompt. */
  readonly onDidPrompt: Event<number> = this.promptEmitter.event;
  /** Fires with the number of cursor queries seen in a chunk; the owner answers each. */
  readonly onDidCursorQuery: Event<number> = this.cursorQueryEmitter.event;

  ready: ReadyInfo | null = null;
  devices: DeviceInfo | null = null;
  lastHeartbeat: Heartbeat | null = null;
  heartbeats = 0;
  prompts = 0;
  /** When output last arrived, host monotonic ms. */
  lastOutputAt: number | null = null;

  constructor(opts: SerialParserOptions) {
    this.readyRe = compilePattern('readyPattern', opts.readyPattern);
    this.promptRe = compilePattern('promptPattern', opts.promptPattern);
    this.now = opts.now ?? (() => performance.now());
  }

  feed(chunk: string): void {
    const at = this.now();
    this.lastOutputAt = at;
    const scan = this.tail + chunk;
    let queries = 0;
    for (let i = scan.indexOf(CURSOR_QUERY); i >= 0; i = scan.indexOf(CURSOR_QUERY, i + 1))
      if (i + CURSOR_QUERY.length > this.tail.length) queries++;
    this.tail = scan.slice(-(CURSOR_QUERY.length - 1));
    if (queries) this.cursorQueryEmitter.fire(queries);

    const parts = (this.partial + chunk).split(/\r*\n/);
    this.partial = parts.pop() ?? '';
    for (const raw of parts) this.line(raw, at);
    if (this.partial.length > MAX_PARTIAL_CHARS) {
      this.line(this.partial, at);
      this.partial = '';
    }
    this.checkPrompt(this.partial);
  }

  private line(raw: string, at: number): void {
    const text = stripAnsi(raw).replace(/\r/g, '');
    const hb = HEARTBEAT_RE.exec(text);
    let rest = text;
    if (hb) {
      const beat = parseHeartbeat(hb[0], at) as Heartbeat;
      this.lastHeartbeat = beat;
      this.heartbeats++;
      this.heartbeatEmitter.fire(beat);
      const before = text.slice(0, hb.index);
      this.checkPrompt(before);
      this.promptFiredThisLine = false;
      rest = before + text.slice(hb.index + hb[0].length);
      if (!rest.trim()) return;
    }
    this.promptFiredThisLine = false;
    if (!this.ready && this.readyRe.test(rest)) {
      const d = READY_DETAIL_RE.exec(rest);
      this.ready = {
        at,
        line: rest,
        kernelRelease: d?.[1] ?? null,
        memTotalKb: d?.[2] ? Number(d[2]) : null,
      };
      this.readyEmitter.fire(this.ready);
    }
    const dev = DEVICES_RE.exec(rest);
    if (dev)
      this.devices = {
        disk: dev[1] === 'none' ? null : (dev[1] ?? null),
        nic: dev[2] === 'none' ? null : (dev[2] ?? null),
      };
    this.lineEmitter.fire({ text: rest, at });
  }

  private checkPrompt(partial: string): void {
    if (this.promptFiredThisLine || !partial || !this.promptRe.test(stripAnsi(partial))) return;
    this.promptFiredThisLine = true;
    this.prompts++;
    this.promptEmitter.fire(this.prompts);
  }

  /** True when a whole line is nothing but the prompt. */
  isPrompt(line: string): boolean {
    return this.promptRe.test(stripAnsi(line));
  }

  /** The unterminated text after the last newline (what the shell is showing right now). */
  get pendingText(): string {
    return stripAnsi(this.partial);
  }

  dispose(): void {
    this.lineEmitter.dispose();
    this.heartbeatEmitter.dispose();
    this.readyEmitter.dispose();
    this.promptEmitter.dispose();
    this.cursorQueryEmitter.dispose();
  }
}
