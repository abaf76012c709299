/**
 * The engine host's wire: newline-delimited JSON frames over a byte stream (the child's stdin and
 * stdout). Both ends parse every frame they receive with these schemas before trusting it; a bad
 * frame is answered with a coded error or dropped with a logged code, never a crash.
 *
 * Deliberately free of the engine: main/app imports this file, and nothing here may reach node-pty.
 */
import { z } from 'zod';
import { RunPreviewSchema, SettingsSchema, type RunPreview } from '../model/api';
import {
  OutputBatchSchema,
  RunStreamEventSchema,
  type OutputBatch,
  type RunStreamEvent,
} from '../model/stream';
import { envelopeSchema } from '../util/errors';

/**
 * Largest frame either end accepts: a bound on what one runaway line can make the other side hold.
 * A plan is at most 1 MB of text (the contract's cap; JSON escaping can double it). The largest
 * honest frame is `runs.state` of a long run: windowed lists (RUN_STATE_WINDOW) plus every pulse,
 * about 1.5 KB a pulse with 20 targets, so the console bench's 10,000 pulses need ~15 MB (it was 8
 * MiB, and that run's state never arrived). Past this a reply becomes HOST_FRAME_TOO_LARGE.
 */
export const MAX_FRAME_CHARS = 32 * 1024 * 1024;

const settings = SettingsSchema;
const frameId = z.number().int().min(0);
// The one reply envelope (util/errors.ts); values are checked by whoever reads them.
const reply = envelopeSchema(z.unknown());
// Run events and output are parsed with the model's schemas: a malformed one is dropped here.
const runStreamEvent = RunStreamEventSchema;
const outputBatch = OutputBatchSchema;
const preview = RunPreviewSchema;

/** Parent -> host. */
export const ToHostFrame = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('init'),
      settings,
      resourcesDir: z.string().min(1).max(4096),
      reportFolder: z.string().min(1).max(4096).optional(),
    })
    .strict(),
  z
    .object({
      t: z.literal('invoke'),
      id: frameId,
      channel: z.string().max(128),
      input: z.unknown().optional(),
      confirm: z.enum(['dialog', 'challenge']),
    })
    .strict(),
  z.object({ t: z.literal('confirm-answer'), id: frameId, yes: z.boolean() }).strict(),
  z.object({ t: z.literal('halt-all'), id: frameId }).strict(),
]);
export type ToHostFrame = z.infer<typeof ToHostFrame>;

const recovered = z.object({
  runId: z.string(),
  ledgerPath: z.string(),
  lastGoodSeq: z.number(),
  killedPids: z.array(z.number()),
  survivors: z.array(z.number()),
  markerPath: z.string(),
});
export type RecoveredRun = z.infer<typeof recovered>;

/** Host -> parent. */
export const FromHostFrame = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('ready'),
    pid: z.number().int(),
    node: z.string(),
    abi: z.string(),
    reportFolder: z.string(),
    recovery: z.union([
      z.object({ status: z.literal('done'), recovered: z.array(recovered) }),
      z.object({ status: z.enum(['skipped', 'failed']), reason: z.string() }),
    ]),
  }),
  z.object({ t: z.literal('reply'), id: frameId, reply }),
  z.object({ t: z.literal('run-event'), event: runStreamEvent }),
  z.object({ t: z.literal('output'), batch: outputBatch }),
  z.object({ t: z.literal('confirm-request'), id: frameId, invokeId: frameId, preview }),
  z.object({ t: z.literal('settings'), settings }),
  z.object({ t: z.literal('halted'), id: frameId }),
  z.object({
    t: z.literal('log'),
    level: z.enum(['info', 'warn', 'error']),
    code: z.string(),
    message: z.string(),
  }),
]);
export type FromHostFrame = z.infer<typeof FromHostFrame>;
export type ReadyFrame = Extract<FromHostFrame, { t: 'ready' }>;

/** The envelope-checked payloads, typed as the contract's (their fields are the host's own). */
export const asRunEvent = (e: RunStreamEvent): RunStreamEvent => e;
export const asOutput = (b: OutputBatch): OutputBatch => b;
export const asPreview = (p: RunPreview): RunPreview => p;

export const encodeFrame = (frame: ToHostFrame | FromHostFrame): string => `${JSON.stringify(frame)}\n`;

/**
 * A frame as the line to write, held to the size the other side reads (LineSplitter drops longer
 * lines). A reply too long becomes a HOST_FRAME_TOO_LARGE error reply, so its caller is answered
 * instead of waiting forever; any other frame too long is not written (line null). `tooLarge` says
 * what was too long, for the log.
 */
export function encodeFitted(
  frame: FromHostFrame,
  max = MAX_FRAME_CHARS,
): { line: string | null; tooLarge?: string } {
  const line = encodeFrame(frame);
  if (line.length <= max) return { line };
  const tooLarge = `${frame.t} frame of ${line.length} characters, over the ${max} the pipe carries`;
  if (frame.t !== 'reply') return { line: null, tooLarge };
  const error = { code: 'HOST_FRAME_TOO_LARGE', message: `the answer was a ${tooLarge}` };
  return { line: encodeFrame({ t: 'reply', id: frame.id, reply: { ok: false, error } }), tooLarge };
}

export type Decoded<T> =
  { ok: true; frame: T } | { ok: false; code: 'HOST_FRAME_INVALID'; message: string; id?: number };

/** Parses one line; a bad one names what was wrong (and the invoke id, when one can be read). */
export function decodeFrame<T>(schema: z.ZodType<T>, line: string): Decoded<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, code: 'HOST_FRAME_INVALID', message: `not JSON: ${line.slice(0, 80)}` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const id = (raw as { id?: unknown } | null)?.id;
  const first = parsed.error.issues[0];
  return {
    ok: false,
    code: 'HOST_FRAME_INVALID',
    message: `bad frame: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`,
    ...(typeof id === 'number' && Number.isInteger(id) && id >= 0 ? { id } : {}),
  };
}

/**
 * Splits a byte stream into lines. A line longer than MAX_FRAME_CHARS is dropped up to its newline
 * (reported once through `onOversize`), so one runaway frame cannot grow memory without bound.
 */
export class LineSplitter {
  private buf = '';
  private skipping = false;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversize: (chars: number) => void,
    private readonly max = MAX_FRAME_CHARS,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line = this.buf + piece;
      this.buf = '';
      if (line.length > this.max) this.onOversize(line.length);
      else if (line.trim()) this.onLine(line);
    }
    if (this.skipping) return;
    this.buf += chunk.slice(start);
    if (this.buf.length > this.max) {
      this.onOversize(this.buf.length);
      this.buf = '';
      this.skipping = true;
    }
  }
}
