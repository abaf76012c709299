/**
 * A QMP client: QEMU's machine protocol over a unix socket, one JSON object per line. Every line
 * that arrives (greeting, reply, event) is parsed with a schema before it is trusted; a malformed
 * one fails the pending commands with QMP_PROTOCOL, a command that does not answer in time fails
 * with QMP_TIMEOUT, and an `error` reply fails with QMP_COMMAND_FAILED carrying QEMU's class and text.
 */
import net from 'node:net';
import { z } from 'zod';
import { Emitter, type Disposable, type Event } from '../../util/event';
import { LabError, type ErrorCode } from '../../util/errors';

/** stop/cont answer in about 1 ms; a command this late means QEMU is wedged or gone. */
export const QMP_TIMEOUT_MS = 3_000;
/** QEMU creates the socket a few ms after it starts; we retry connecting for this long. */
export const QMP_CONNECT_TIMEOUT_MS = 5_000;
const CONNECT_RETRY_MS = 20;
const MAX_LINE_CHARS = 1_000_000;

const GreetingSchema = z.object({
  QMP: z.object({ version: z.unknown(), capabilities: z.array(z.unknown()) }),
});
const ReturnSchema = z.object({ return: z.unknown(), id: z.string().optional() });
const ErrorSchema = z.object({
  error: z.object({ class: z.string(), desc: z.string() }),
  id: z.string().optional(),
});
export const QmpEventSchema = z.object({
  event: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.object({ seconds: z.number(), microseconds: z.number() }),
});
export type QmpEvent = z.infer<typeof QmpEventSchema> & { at: number };
const MessageSchema = z.union([GreetingSchema, ReturnSchema, ErrorSchema, QmpEventSchema]);

export const StatusSchema = z.object({ running: z.boolean(), status: z.string() }).passthrough();
export type QmpStatus = z.infer<typeof StatusSchema>;

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class QmpClient implements Disposable {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventEmitter = new Emitter<QmpEvent>();
  private readonly problemEmitter = new Emitter<{ code: ErrorCode; message: string; sample: string }>();
  private readonly closeEmitter = new Emitter<void>();
  private greeted: ((ok: boolean) => void) | null = null;
  private closed = false;
  readonly onDidEvent: Event<QmpEvent> = this.eventEmitter.event;
  readonly onDidProblem = this.problemEmitter.event;
  readonly onDidClose: Event<void> = this.closeEmitter.event;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    // ECONNRESET after `quit` is normal; the close handler settles everything.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  /** Connects (retrying while QEMU creates the socket), reads the greeting, negotiates capabilities. */
  static async connect(path: string, timeoutMs = QMP_CONNECT_TIMEOUT_MS): Promise<QmpClient> {
    const deadline = performance.now() + timeoutMs;
    let lastErr = '';
    while (performance.now() < deadline) {
      const socket = await new Promise<net.Socket | null>((resolve) => {
        const s = net.createConnection(path);
        s.once('connect', () => resolve(s));
        s.once('error', (e) => {
          lastErr = e.message;
          s.destroy();
          resolve(null);
        });
      });
      if (!socket) {
        await sleep(CONNECT_RETRY_MS);
        continue;
      }
      const client = new QmpClient(socket);
      const greeted = await new Promise<boolean>((resolve) => {
        client.greeted = resolve;
        setTimeout(() => resolve(false), Math.max(100, deadline - performance.now())).unref();
      });
      if (!greeted) {
        client.dispose();
        throw new LabError('QMP_TIMEOUT', `no QMP greeting on ${path}`);
      }
      await client.execute('qmp_capabilities');
      return client;
    }
    throw new LabError(
      'QMP_TIMEOUT',
      `could not connect to QMP socket ${path} within ${timeoutMs} ms: ${lastErr}`,
    );
  }

  execute(command: string, args?: Record<string, unknown>, timeoutMs = QMP_TIMEOUT_MS): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new LabError('QMP_PROTOCOL', `QMP connection closed before ${command}`));
    const id = `lab-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LabError('QMP_TIMEOUT', `QMP ${command} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      this.socket.write(
        JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n',
      );
    });
  }

  async queryStatus(timeoutMs = QMP_TIMEOUT_MS): Promise<QmpStatus> {
    const r = StatusSchema.safeParse(await this.execute('query-status', undefined, timeoutMs));
    if (!r.success)
      throw new LabError(
        'QMP_PROTOCOL',
        `query-status reply malformed: ${r.error.issues.map((i) => i.message).join('; ')}`,
      );
    return r.data;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
    if (this.buffer.length > MAX_LINE_CHARS)
      this.protocolError('QMP line longer than 1 MB', this.buffer.slice(0, 200));
  }

  private onLine(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return this.protocolError('QMP sent a line that is not JSON', line);
    }
    const parsed = MessageSchema.safeParse(raw);
    if (!parsed.success) return this.protocolError(`QMP message matches no known shape`, line);
    const msg = parsed.data;
    if ('QMP' in msg) {
      this.greeted?.(true);
      this.greeted = null;
      return;
    }
    if ('event' in msg) {
      this.eventEmitter.fire({ ...msg, at: performance.now() });
      return;
    }
    const p = msg.id ? this.pending.get(msg.id) : undefined;
    if (!p || !msg.id) return this.protocolError('QMP reply with an unknown or missing id', line);
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if ('error' in msg)
      p.reject(new LabError('QMP_COMMAND_FAILED', `QMP ${p.command}: ${msg.error.class}: ${msg.error.desc}`));
    else p.resolve(msg.return);
  }

  private protocolError(message: string, sample: string): void {
    this.problemEmitter.fire({ code: 'QMP_PROTOCOL', message, sample: sample.slice(0, 200) });
    // A reply we cannot read may have been the answer to any pending command: fail them all now
    // rather than let each wait for its timeout.
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(
        new LabError('QMP_PROTOCOL', `${message} while waiting for ${p.command}: ${sample.slice(0, 200)}`),
      );
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.greeted?.(false);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new LabError('QMP_PROTOCOL', `QMP connection closed before ${p.command} answered`));
    }
    this.closeEmitter.fire();
  }

  dispose(): void {
    this.socket.destroy();
    this.onClose();
    this.eventEmitter.dispose();
    this.problemEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
