/**
 * What crosses the contract between the console and the engine host: plan summaries, previews,
 * run state, history rows, settings, stream events and the reply envelope. preload/contract.ts
 * re-exports these with the channel map; the engine imports them from here, never from preload.
 */
import { z } from 'zod';
import { IssueSchema, type CodedError, type Envelope } from '../util/errors';
import {
  AnomalySchema,
  CoverageSchema,
  IntegrityCheckSchema,
  PulseSchema,
  ResourceSampleSchema,
  RunEventRecordSchema,
  SnapshotSchema,
  TargetStateSchema,
  TesScoreSchema,
  VerdictSchema,
} from './evidence';
import { ReportDocumentSchema } from './report';
import { RunSummarySchema } from './stream';
import { ReviewEntrySchema, TrustLevelSchema, VerifyResultSchema } from './verify';

export type { RunSummary, RunStreamEvent, OutputBatch, WsFrame, WsMessage, WsNotice } from './stream';
export type { TrustLevel, VerifyResult, VerifyCode, ReviewEntry, ReviewVerdict } from './verify';
export type { ReportDocument } from './report';
export { envelopeSchema as replySchema, CodedErrorSchema } from '../util/errors';

/** The coded error on the wire (the engine's ErrorCode, or a transport code the renderer adds). */
export type CodedErrorDto = CodedError<string>;

/** The reply envelope: the same type as the engine's Result, with any code string. */
export type Reply<T> = Envelope<T>;

export const PlanSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.string(),
  description: z.string(),
  source: z.enum(['bundled', 'saved']),
  path: z.string(),
  /** Expected wall time, from the plan's max duration. */
  maxDurationSec: z.number(),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

export const PlanCheckSchema = z.object({
  valid: z.boolean(),
  issues: z.array(IssueSchema),
  summary: PlanSummarySchema.nullable(),
  /** What the plan cannot produce (no burst during its tasks, a guard window too long); a valid plan may have them. */
  warnings: z.array(z.object({ code: z.string(), path: z.string(), message: z.string() })).optional(),
});
export type PlanCheck = z.infer<typeof PlanCheckSchema>;

const GuardRailsSchema = z.object({
  cpuPct: z.number(),
  ramPct: z.number(),
  gpuPct: z.number(),
  windowSec: z.number(),
});

export const RunPreviewSchema = z.object({
  planId: z.string(),
  planHash: z.string(),
  title: z.string(),
  kind: z.string(),
  targets: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      command: z.string(),
      args: z.array(z.string()),
      count: z.number(),
      /** The resolved executable and every argument, raw: escape before showing (util/escape). */
      argv: z.array(z.string()),
      /** The instance's working folder (the run id is known only when it starts). */
      cwd: z.string(),
      /** Every variable the plan sets, on top of Probe Lab's own. */
      env: z.record(z.string(), z.string()),
      /** argv shell-quoted and escaped: safe to show as it is. */
      resolved: z.string(),
    }),
  ),
  maxDurationSec: z.number(),
  cadences: z.object({
    pulseEverySec: z.number(),
    burstCount: z.number(),
    burstSpacingSec: z.number(),
    pulsesAfter: z.number(),
    snapshotEverySec: z.number(),
    sampleEveryMs: z.number(),
  }),
  guardRails: GuardRailsSchema,
  governance: z.object({ folder: z.string().nullable(), sentinels: z.array(z.string()) }),
  allowlist: z.array(z.string()),
  /** Which containment the run would get on this host: 'cgroup v2', 'cgroup v1' or 'process tree (weaker)'. */
  containment: z.object({ mode: z.string(), label: z.string(), detail: z.string() }),
  /** Escaped WARNING lines: loader variables the plan allowed through allowEnv. */
  warnings: z.array(z.string()),
  /** Plain lines, the same ones the native dialog and the CLI print. */
  lines: z.array(z.string()),
});
export type RunPreview = z.infer<typeof RunPreviewSchema>;

export const StartAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), runId: z.string() }),
  z.object({ kind: z.literal('declined') }),
  /** Browser mode: the person must type the plan id; the server checks it. */
  z.object({
    kind: z.literal('challenge'),
    challengeId: z.string(),
    planId: z.string(),
    preview: RunPreviewSchema,
    expiresAt: z.number(),
  }),
]);
export type StartAnswer = z.infer<typeof StartAnswerSchema>;

export const TargetOutputTailSchema = z.object({ targetId: z.string(), tail: z.string() });
export type TargetOutputTail = z.infer<typeof TargetOutputTailSchema>;

/**
 * How many of each growing list `runs.state` carries (the latest ones): a 24 h run holds 86,400
 * samples and snapshots, far more than the console draws or the engine host's pipe carries. Pulses
 * are sent whole (the evidence status reads their phases); the ledger and the report hold all.
 */
export const RUN_STATE_WINDOW = 2_000;

export const RunStateSchema = z.object({
  run: RunSummarySchema,
  maxDurationSec: z.number(),
  pulses: z.array(PulseSchema),
  samples: z.array(ResourceSampleSchema),
  snapshots: z.array(SnapshotSchema),
  coverage: CoverageSchema.nullable(),
  tes: z.array(TesScoreSchema),
  integrity: IntegrityCheckSchema.nullable(),
  events: z.array(RunEventRecordSchema),
  anomalies: z.array(AnomalySchema),
  targets: z.array(TargetStateSchema),
  output: z.array(TargetOutputTailSchema),
  guardRails: GuardRailsSchema,
  thresholds: z.object({ pulseWarnSec: z.number(), pulseCritSec: z.number() }),
});
export type RunState = z.infer<typeof RunStateSchema>;

export const HistoryRowSchema = z.object({
  reportPath: z.string(),
  date: z.number(),
  planId: z.string(),
  title: z.string(),
  /** null only for an unreadable report. */
  verdict: VerdictSchema.nullable(),
  tes: z.number().nullable(),
  coveragePct: z.number().nullable(),
  signature: z.enum(['valid', 'invalid', 'missing']),
  /** Whose key signed it and whether the user trusts that key (never from files beside a report). */
  trust: TrustLevelSchema,
  /** `SHA256:...` of the signing key, as `ssh-keygen -l` prints it; null when nothing verified. */
  signer: z.string().nullable(),
  /** Set when the report JSON does not parse as a ReportDocument: listed, never trusted. */
  unreadable: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Anomalies in the report, and how many of them no verified review names yet. */
  anomalies: z.number(),
  awaitingReview: z.number(),
});
export type HistoryRow = z.infer<typeof HistoryRowSchema>;

export const OpenedReportSchema = z.object({
  reportPath: z.string(),
  markdown: z.string(),
  /** The signed HTML report (self-contained, no script), or null for reports written before it existed. */
  html: z.string().nullable(),
  json: ReportDocumentSchema,
  verification: VerifyResultSchema,
});
export type OpenedReport = z.infer<typeof OpenedReportSchema>;

export const SettingsSchema = z.object({
  reportFolder: z.string(),
  agents: z.array(z.object({ name: z.string(), command: z.string() })),
  labKernel: z.object({ kernel: z.string().nullable(), initrd: z.string().nullable() }),
  /** Filled in by the host's answers, never stored: the folder reports go to now, and what overrides it. */
  effective: z.object({ reportFolder: z.string(), overriddenBy: z.string().nullable() }).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** What `reports.review` answers: the review as recorded, and the report verified with it. */
export const ReviewAnswerSchema = z.object({ review: ReviewEntrySchema, verification: VerifyResultSchema });
export type ReviewAnswer = z.infer<typeof ReviewAnswerSchema>;
