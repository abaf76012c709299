/**
 * The JSON report (built by main/reports/document.ts, signed beside its Markdown). The schema is
 * what a reader may rely on: History and the report viewer parse every report with it, and one
 * that does not parse is listed as unreadable under a code instead of being trusted by a cast.
 */
import { z } from 'zod';
import { PROBE_KINDS, PlanSchema, TesConfigSchema } from './plan';
import {
  AnomalySchema,
  CoverageSchema,
  DriftClassSchema,
  FileIoFigureSchema,
  IntegrityCheckSchema,
  PulseSchema,
  RunEventRecordSchema,
  TargetStateSchema,
  TesScoreSchema,
  ThresholdResultSchema,
  VerdictSchema,
} from './evidence';

export const REPORT_SCHEMA = 'probe-lab/report/v1';

/** count/min/p50/p95/max/mean of a series; null where the series is empty. */
export const StatsSchema = z
  .object({
    count: z.number(),
    min: z.number(),
    p50: z.number(),
    p95: z.number(),
    max: z.number(),
    mean: z.number(),
  })
  .nullable();
export type Stats = z.infer<typeof StatsSchema>;

/** TES drift across repeated runs of one plan (main/scoring/tes.ts). */
export const DriftFindingSchema = z.object({
  runs: z.number(),
  scores: z.array(z.number()),
  spread: z.number(),
  drift: DriftClassSchema,
  unexplained: z.boolean(),
  explanation: z.string(),
});

export const TargetExitSchema = z.object({
  exitCode: z.number().nullable(),
  signal: z.number().nullable(),
  outcome: z.enum(['exited', 'failed', 'stopped']),
  stopReason: z.enum(['completed', 'max-duration', 'halt', 'guard-rail', 'error']).nullable(),
  at: z.number(),
  runMs: z.number(),
});

export const TargetDescriptionSchema = z.object({
  id: z.string(),
  kind: z.enum(['agent', 'lab-kernel']),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
});

const LeafSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const FieldChangeSchema = z.object({
  /** e.g. `host.cpuPct`, `targets[a#1].rssKb`, `states[a#1].state`. */
  field: z.string(),
  before: LeafSchema,
  after: LeafSchema,
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

/** Seed 000 §5 for one anomaly: snapshots around it, the governance hash then, the pulse that caught it. */
export const AnomalyContextSchema = z.object({
  id: z.string(),
  at: z.number(),
  code: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  before: z.object({ seq: z.number(), at: z.number() }).nullable(),
  after: z.object({ seq: z.number(), at: z.number() }).nullable(),
  /** Only the fields that differ between the two snapshots (none when either is missing). */
  changes: z.array(FieldChangeSchema),
  /** Fields compared, so "no change" reads as checked rather than as nothing to compare. */
  compared: z.number(),
  /** The integrity check of the pulse that caught it, else of the next pulse that ran one, else the final check. */
  governance: z
    .object({
      pulseSeq: z.number().nullable(),
      at: z.number(),
      hash: z.string().nullable(),
      baseline: z.string().nullable(),
      ok: z.boolean(),
      changed: z.array(z.string()),
    })
    .nullable(),
  /** The pulse the anomaly was raised in (started before it, its checks just done), else the first one after it. */
  caughtBy: z
    .object({
      seq: z.number(),
      phase: z.enum(['before', 'during', 'after']),
      latencyMs: z.number(),
      latencyClass: z.string(),
      status: z.string(),
    })
    .nullable(),
});
export type AnomalyContext = z.infer<typeof AnomalyContextSchema>;

export const ReportDocumentSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  runId: z.string().min(1),
  /** Seed 000 §5 per anomaly (absent in reports written before anomaly review existed). */
  anomalyReview: z.array(AnomalyContextSchema).optional(),
  /** Which containment was in force (null in reports written before containment was recorded). */
  containment: z
    .object({ mode: z.string(), label: z.string(), detail: z.string(), parent: z.string().nullable() })
    .nullable()
    .optional(),
  plan: z.object({
    id: z.string(),
    title: z.string(),
    kind: z.enum(PROBE_KINDS),
    hash: z.string(),
    definition: PlanSchema,
  }),
  confirmation: z.object({
    by: z.enum(['cli', 'dialog', 'challenge']),
    issuedAt: z.number(),
    planHash: z.string(),
  }),
  startedAt: z.number(),
  probeStartedAt: z.number(),
  endedAt: z.number(),
  durationMs: z.number(),
  verdict: VerdictSchema,
  haltReason: z.string().nullable(),
  checklist: z.object({
    pulseBefore: z.boolean(),
    burstsDuring: z.number(),
    compliancePulseAfter: z.boolean(),
    tesRecalculated: z.boolean(),
    /** The `burst during the tasks` threshold (absent in reports written before it existed). */
    burstDuringTasks: z.object({ ok: z.boolean(), why: z.string() }).nullable().optional(),
  }),
  /** How the burst schedule was chosen (main/plans/evidence-schedule.ts). */
  burstSchedule: z
    .object({
      firstBurstMs: z.number(),
      cadenceMs: z.number(),
      count: z.number(),
      spacingMs: z.number(),
      reason: z.string(),
    })
    .nullable()
    .optional(),
  /** File I/O timed at the pulses (seed 000 section 5): percentiles of each pulse's slowest operation. */
  fileIo: z
    .object({
      warnMs: z.number(),
      critMs: z.number(),
      maxMs: StatsSchema,
      byClass: z.object({ ok: z.number(), warning: z.number(), critical: z.number() }),
      slowest: z.object({ seq: z.number(), f: FileIoFigureSchema }).nullable(),
    })
    .optional(),
  thresholds: z.array(ThresholdResultSchema),
  pulses: z.object({
    count: z.number(),
    byClass: z.object({ ok: z.number(), warning: z.number(), critical: z.number(), skipped: z.number() }),
    latencyMs: StatsSchema,
    startLagMs: StatsSchema,
    rttMs: StatsSchema,
    list: z.array(PulseSchema),
  }),
  snapshots: z.object({
    count: z.number(),
    cadenceSec: z.number(),
    coverage: CoverageSchema.nullable(),
    /** Coverage over the burst windows, the seed's rule (absent in older reports). */
    burstCoverage: CoverageSchema.nullable().optional(),
  }),
  tes: z.object({
    probe: TesScoreSchema.nullable(),
    runs: z.array(TesScoreSchema),
    drift: DriftFindingSchema.nullable(),
    config: TesConfigSchema,
  }),
  integrity: z.object({
    baseline: z
      .object({
        governanceFolder: z.string().nullable(),
        governanceHash: z.string().nullable(),
        sentinels: z.array(z.object({ path: z.string(), sha256: z.string().nullable() })),
      })
      .nullable(),
    final: IntegrityCheckSchema.nullable(),
  }),
  resources: z.object({
    samples: z.number(),
    hostCpuPct: StatsSchema,
    hostRamPct: StatsSchema,
    engineCpuPct: StatsSchema,
    targets: z.array(z.object({ targetId: z.string(), cpuPct: StatsSchema, rssKb: StatsSchema })),
  }),
  targets: z.array(
    z.object({
      state: TargetStateSchema,
      describe: TargetDescriptionSchema,
      exit: TargetExitSchema.nullable(),
    }),
  ),
  anomalies: z.array(AnomalySchema),
  events: z.array(RunEventRecordSchema),
  /** Kind-specific results (chaos scenarios, stress measurements). */
  extra: z.record(z.string(), z.unknown()),
  ledger: z.object({
    file: z.string(),
    records: z.number(),
    head: z.string(),
    failure: z.string().nullable(),
  }),
  // allowedSigners: only in reports written before trust came from the user's own signers.
  signer: z.object({ openssh: z.string(), namespace: z.string(), allowedSigners: z.string().optional() }),
  methods: z.record(z.string(), z.string()),
});
export type ReportDocument = z.infer<typeof ReportDocumentSchema>;
