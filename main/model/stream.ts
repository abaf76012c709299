/**
 * What the engine streams to a console while a run goes on: run events (a discriminated union on
 * `type`), batched pty output, and the event socket's frames. The renderer parses every frame with
 * these schemas before it folds anything into its state.
 */
import { z } from 'zod';
import {
  AnomalySchema,
  CoverageSchema,
  GuardProgressSchema,
  IntegrityCheckSchema,
  PulseSchema,
  ResourceSampleSchema,
  RunEventRecordSchema,
  SnapshotSchema,
  TargetStateSchema,
  TesScoreSchema,
  ThresholdResultSchema,
  VerdictSchema,
} from './evidence';

const Id = z.string().min(1);

export const RunSummarySchema = z.object({
  runId: Id,
  planId: z.string(),
  title: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  status: z.enum(['running', 'halting', 'ended']),
  verdict: VerdictSchema.nullable(),
  reportPath: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), runId: Id, ...shape });

export const RunStreamEventSchema = z.discriminatedUnion('type', [
  ev('pulse', { pulse: PulseSchema }),
  // `guard`: each rail's progress toward tripping (absent in older streams).
  ev('sample', { sample: ResourceSampleSchema, guard: z.array(GuardProgressSchema).optional() }),
  ev('snapshot', {
    snapshot: SnapshotSchema,
    coverage: CoverageSchema,
    burstCoverage: CoverageSchema.optional(),
  }),
  ev('tes', { tes: z.array(TesScoreSchema) }),
  ev('integrity', { integrity: IntegrityCheckSchema }),
  ev('event', { event: RunEventRecordSchema }),
  ev('anomaly', { anomaly: AnomalySchema }),
  ev('targets', { targets: z.array(TargetStateSchema) }),
  ev('end', { run: RunSummarySchema, thresholds: z.array(ThresholdResultSchema) }),
]);
export type RunStreamEvent = z.infer<typeof RunStreamEventSchema>;

/** Batched pty output: one joined string per target per flush. */
export const OutputBatchSchema = z.object({ runId: Id, targetId: Id, data: z.string() });
export type OutputBatch = z.infer<typeof OutputBatchSchema>;

/**
 * Browser mode: a frame the event socket sends besides run events and output. `output-dropped`:
 * this console fell behind and the server dropped that much output for it (run events are never
 * dropped); refetch `runs.state` for the listed runs to redraw their output tails.
 */
export const WsNoticeSchema = z.object({
  stream: z.literal('notice'),
  notice: z.object({
    kind: z.literal('output-dropped'),
    frames: z.number(),
    chars: z.number(),
    runIds: z.array(Id),
  }),
});
export type WsNotice = z.infer<typeof WsNoticeSchema>;

export const WsMessageSchema = z.discriminatedUnion('stream', [
  z.object({ stream: z.literal('run'), event: RunStreamEventSchema }),
  z.object({ stream: z.literal('output'), batch: OutputBatchSchema }),
]);
export type WsMessage = z.infer<typeof WsMessageSchema>;

/** Every frame the event socket may carry. */
export const WsFrameSchema = z.discriminatedUnion('stream', [...WsMessageSchema.options, WsNoticeSchema]);
export type WsFrame = z.infer<typeof WsFrameSchema>;
