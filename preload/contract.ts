/**
 * The contract between the console (renderer) and the engine host (Electron main, or the loopback
 * server of `probe-lab serve`). One file maps every channel to its input schema and output type;
 * the preload, main/app, main/web and the renderer's client all derive from it.
 *
 * Inputs are parsed by these schemas in the host before they are trusted. Every call answers
 * `{ ok: true, value } | { ok: false, error: { code, message } }`; nothing throws across it.
 */
import { z } from 'zod';

import type {
  Reply,
  PlanSummary,
  PlanCheck,
  RunPreview,
  StartAnswer,
  RunSummary,
  RunState,
  HistoryRow,
  OpenedReport,
  ReviewAnswer,
  Settings,
} from '../main/model/api';
import type { OutputBatch, RunStreamEvent } from '../main/model/stream';
import type { ResultsComparison } from '../main/model/compare';

// The schemas themselves: the renderer and the preload parse stream frames and replies with them.
export * from '../main/model/evidence';
export * from '../main/model/stream';
export * from '../main/model/verify';
export * from '../main/model/report';
export * from '../main/model/api';
export type {
  FieldChange as ComparisonFieldChange,
  MetricComparison,
  ResultsComparison,
  SignificanceTest,
} from '../main/model/compare';

/** Plan ids are slugs: a path can never pass for one across this boundary. */
const planId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/);
const planRef = z.union([
  z.object({ id: planId }).strict(),
  z.object({ text: z.string().min(1).max(1_000_000) }).strict(),
]);

/** Exactly what a run will do; shown before the person confirms. */

/** Everything the live screen needs to draw a run from scratch (late joiners, reloads). */

/** Streamed run events; the renderer folds them into its RunState. */

/** Batched pty output: one joined string per target per flush. */

const id = z.string().min(1).max(128);

/** Every invocable channel: its input schema and its output type. */

export const Invoke = {
  'plans.list': z.object({}).strict(),
  'plans.get': z.object({ id: planId }).strict(),
  'plans.check': z.object({ text: z.string().max(1_000_000) }).strict(),
  'plans.save': z.object({ text: z.string().min(1).max(1_000_000) }).strict(),
  'runs.preview': z.object({ plan: planRef }).strict(),
  'runs.requestStart': z.object({ plan: planRef }).strict(),
  'runs.answerChallenge': z.object({ challengeId: id, typedPlanId: z.string().max(128) }).strict(),
  'runs.halt': z.object({ runId: id }).strict(),
  'runs.list': z.object({}).strict(),
  'runs.state': z.object({ runId: id }).strict(),
  'output.ack': z
    .object({ runId: id, targetId: id, chars: z.number().int().min(0).max(10_000_000) })
    .strict(),
  'reports.list': z.object({}).strict(),
  'reports.open': z.object({ reportPath: z.string().min(1).max(4096) }).strict(),
  'reports.export': z.object({ format: z.enum(['csv', 'json']) }).strict(),
  /** `probe-lab compare` over the results documents of two reports in the report folder. */
  'reports.compare': z.object({ a: z.string().min(1).max(4096), b: z.string().min(1).max(4096) }).strict(),
  /** Seed 000 §5: a review of one anomaly (`A1`...) or, with anomaly null, of the run as a whole. */
  'reports.review': z
    .object({
      reportPath: z.string().min(1).max(4096),
      anomaly: z
        .string()
        .regex(/^A[1-9][0-9]{0,5}$/)
        .nullable(),
      verdict: z.enum(['expected', 'needs-work', 'false-alarm']),
      note: z.string().trim().min(1).max(2000),
    })
    .strict(),
  'settings.get': z.object({}).strict(),
  'settings.set': z
    .object({
      reportFolder: z.string().min(1).max(4096).optional(),
      agents: z
        .array(z.object({ name: z.string().min(1).max(64), command: z.string().min(1).max(4096) }).strict())
        .max(64)
        .optional(),
      labKernel: z
        .object({ kernel: z.string().max(4096).nullable(), initrd: z.string().max(4096).nullable() })
        .strict()
        .optional(),
    })
    .strict(),
} as const;

export interface InvokeOutputs {
  'plans.list': PlanSummary[];
  'plans.get': { summary: PlanSummary; text: string };
  'plans.check': PlanCheck;
  'plans.save': PlanSummary;
  'runs.preview': RunPreview;
  'runs.requestStart': StartAnswer;
  'runs.answerChallenge': { runId: string };
  'runs.halt': { runId: string; stoppedWithinMs: number };
  'runs.list': RunSummary[];
  'runs.state': RunState;
  'output.ack': null;
  'reports.list': HistoryRow[];
  'reports.open': OpenedReport;
  'reports.export': { filename: string; mime: string; body: string };
  'reports.review': ReviewAnswer;
  'reports.compare': ResultsComparison;
  'settings.get': Settings;
  'settings.set': Settings;
}

export type Channel = keyof typeof Invoke;

export type InvokeInput<C extends Channel> = z.input<(typeof Invoke)[C]>;

/** The API the renderer sees as `window.lab` (Electron) or builds over HTTP (browser mode). */

export interface LabApi {
  invoke<C extends Channel>(channel: C, input: InvokeInput<C>): Promise<Reply<InvokeOutputs[C]>>;
  onRunEvent(listener: (e: RunStreamEvent) => void): () => void;
  onOutput(listener: (b: OutputBatch) => void): () => void;
  /** 'electron' or 'browser': the confirm step differs (native dialog vs typed challenge). */
  readonly mode: 'electron' | 'browser';
}

export const EVENT_CHANNEL_RUN = 'lab:run-event';

export const EVENT_CHANNEL_OUTPUT = 'lab:output';

export const INVOKE_CHANNEL = 'lab:invoke';

/**
 * Browser mode (`probe-lab serve`): the page is opened at `http://127.0.0.1:<port>/?token=<token>`.
 * Invoke: `POST /api/invoke/<channel>` with `Authorization: Bearer <token>` and the input as JSON;
 * the body of the answer is the Reply. Events: a WebSocket at `/api/events?token=<token>` carrying
 * WsMessage frames.
 */

export const HTTP_INVOKE_PREFIX = '/api/invoke/';

export const WS_EVENTS_PATH = '/api/events';
