/**
 * Evidence record shapes: what a probe measures, as written to the ledger, streamed to the console
 * and rendered in reports. Each shape is a zod schema and its type is inferred from it, so the
 * ledger, the stream and the report reader all check the same thing. No Node imports: the renderer
 * parses stream frames with these. Times are wall-clock ms since the epoch unless named otherwise;
 * durations are ms.
 */
import { z } from 'zod';

export { AnomalyCodeSchema, AnomalySchema, SeveritySchema } from './anomaly';
export type { Anomaly, AnomalyCode, Severity } from './anomaly';

export const PulsePhaseSchema = z.enum(['before', 'during', 'after']);
export type PulsePhase = z.infer<typeof PulsePhaseSchema>;
export const PulseStatusSchema = z.enum(['GREEN', 'YELLOW', 'RED']);
export type PulseStatus = z.infer<typeof PulseStatusSchema>;
/** Seed 000 section 4: < 3 s OK, 3-5 s warning, > 5 s or skipped critical. */
export const LatencyClassSchema = z.enum(['ok', 'warning', 'critical', 'skipped']);
export type LatencyClass = z.infer<typeof LatencyClassSchema>;
/** Seed 000 section 4: golden >= 99, mild 95-98, significant < 95, penalised < 85. */
export const DriftClassSchema = z.enum(['golden', 'mild', 'significant', 'penalised']);
export type DriftClass = z.infer<typeof DriftClassSchema>;

export const HostSampleSchema = z.object({
  at: z.number(),
  /** Share of all cores busy since the previous sample, from /proc/stat deltas. */
  cpuPct: z.number(),
  /** (MemTotal - MemAvailable) / MemTotal, from /proc/meminfo. */
  ramPct: z.number(),
  /** GPU utilisation from nvidia-smi, null where no GPU is present. */
  gpuPct: z.number().nullable(),
  memTotalKb: z.number(),
  memAvailableKb: z.number(),
  load1: z.number(),
});
export type HostSample = z.infer<typeof HostSampleSchema>;

export const ProcTreeSampleSchema = z.object({
  targetId: z.string(),
  /** Processes in the target's tree at sampling time. */
  processes: z.number(),
  /** CPU used by the tree since the previous sample, as % of one core. */
  cpuPct: z.number(),
  rssKb: z.number(),
  threads: z.number(),
  openFiles: z.number(),
});
export type ProcTreeSample = z.infer<typeof ProcTreeSampleSchema>;

export const ResourceSampleSchema = z.object({
  at: z.number(),
  host: HostSampleSchema,
  targets: z.array(ProcTreeSampleSchema),
  /** CPU time the engine itself used since the previous sample, as % of one core. */
  engineCpuPct: z.number(),
});
export type ResourceSample = z.infer<typeof ResourceSampleSchema>;
/** The name for a resource sample. */
export const SampleSchema = ResourceSampleSchema;

export const TargetPulseSchema = z.object({
  targetId: z.string(),
  alive: z.boolean(),
  responsive: z.boolean().nullable(),
  rttMs: z.number().nullable(),
  method: z.string(),
  detail: z.string(),
  /** TES so far for this target (provisional while it runs). */
  tes: z.number().nullable(),
});
export type TargetPulse = z.infer<typeof TargetPulseSchema>;

/**
 * A path the lab would not or could not read: not a regular file (FIFO, device, socket, a symlink
 * out of its folder), over a size or count cap, or a check that missed its deadline.
 */
export const FileFindingSchema = z.object({
  code: z.enum([
    'INTEGRITY_UNREADABLE',
    'INTEGRITY_DEADLINE_MISSED',
    'FOOTPRINT_UNREADABLE',
    'FOOTPRINT_DEADLINE_MISSED',
  ]),
  path: z.string(),
  /** 'file', 'fifo', 'socket', 'character device', 'block device', 'symlink', 'directory', 'check'. */
  fileType: z.string(),
  reason: z.string(),
});
export type FileFinding = z.infer<typeof FileFindingSchema>;

export const IntegrityCheckSchema = z.object({
  at: z.number(),
  /** SHA-256 over sorted relative paths and contents of the governance folder; null when none. */
  governanceHash: z.string().nullable(),
  baselineGovernanceHash: z.string().nullable(),
  sentinels: z.array(
    z.object({ path: z.string(), sha256: z.string().nullable(), baseline: z.string().nullable() }),
  ),
  /** Files whose content changed since the baseline (governance folder and sentinels). */
  changed: z.array(z.string()),
  /** What could not be read or checked: integrity is not verified while any is present. */
  // Defaults: reports and ledgers written before these fields existed still parse.
  findings: z.array(FileFindingSchema).default([]),
  /** The lab's own time hashing (in the worker, with the round trip). */
  labWorkMs: z.number().default(0),
  ok: z.boolean(),
});
export type IntegrityCheck = z.infer<typeof IntegrityCheckSchema>;

/** One timed file-system operation of a pulse. */
export const FileIoEntrySchema = z.object({
  /** `run folder`, a target id, or `governance`. */
  label: z.string(),
  path: z.string(),
  /** write: a small write plus fdatasync and unlink; read: reading the folder's files. */
  op: z.enum(['write', 'read']),
  /** null when the operation failed; the deadline when it did not finish in time. */
  ms: z.number().nullable(),
  timedOut: z.boolean(),
  error: z.string().optional(),
});
export type FileIoEntry = z.infer<typeof FileIoEntrySchema>;

export const FileIoFigureSchema = z.object({
  at: z.number(),
  /** The slowest entry (a timed-out one counts as its deadline). */
  maxMs: z.number(),
  class: z.enum(['ok', 'warning', 'critical']),
  entries: z.array(FileIoEntrySchema),
});
export type FileIoFigure = z.infer<typeof FileIoFigureSchema>;

/** A guard rail's progress toward tripping, as of one sample. */
export const GuardProgressSchema = z.object({
  metric: z.enum(['cpu', 'ram', 'gpu']),
  limitPct: z.number(),
  lastPct: z.number().nullable(),
  /** How long the metric has been over its line without a break (0 when under it). */
  overMs: z.number(),
  windowMs: z.number(),
});
export type GuardProgress = z.infer<typeof GuardProgressSchema>;

export const PulseSchema = z.object({
  seq: z.number(),
  phase: PulsePhaseSchema,
  /** Burst number during the probe (1-based), 0 for before/after. */
  burst: z.number(),
  plannedAt: z.number(),
  startedAt: z.number(),
  completedAt: z.number(),
  /** How late the pulse started against its planned time (scheduler error). */
  startLagMs: z.number(),
  /**
   * From the planned time to the moment every check had answered; the lab's own work (labWorkMs)
   * comes after that stamp: the latency is the targets' and the scheduler's, never the instrument's.
   */
  latencyMs: z.number(),
  /** The lab's own work in this pulse (integrity hashing, footprint scans), apart from latencyMs. */
  labWorkMs: z.number().default(0),
  latencyClass: LatencyClassSchema,
  host: HostSampleSchema.nullable(),
  targets: z.array(TargetPulseSchema),
  tes: z.number().nullable(),
  tesDelta: z.number().nullable(),
  integrity: IntegrityCheckSchema.nullable(),
  status: PulseStatusSchema,
  reasons: z.array(z.string()),
  /** File-system latency timed at this pulse (seed 000 section 5); absent on skipped pulses. */
  fileIo: FileIoFigureSchema.nullable().optional(),
});
export type Pulse = z.infer<typeof PulseSchema>;

export const TargetStateSchema = z.object({
  targetId: z.string(),
  state: z.enum(['pending', 'starting', 'running', 'exited', 'failed', 'stopped']),
  pid: z.number().nullable(),
  exitCode: z.number().nullable(),
  filesChanged: z.number(),
  outputBytes: z.number(),
});
export type TargetState = z.infer<typeof TargetStateSchema>;

export const SnapshotSchema = z.object({
  seq: z.number(),
  slot: z.number(),
  plannedAt: z.number(),
  at: z.number(),
  host: HostSampleSchema,
  targets: z.array(ProcTreeSampleSchema),
  states: z.array(TargetStateSchema),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const CoverageGapSchema = z.object({
  from: z.number(),
  to: z.number(),
  gapMs: z.number(),
  missingSlots: z.number(),
});
export type CoverageGap = z.infer<typeof CoverageGapSchema>;

export const CoverageSchema = z.object({
  cadenceMs: z.number(),
  expected: z.number(),
  present: z.number(),
  pct: z.number(),
  /** Every gap larger than 1.5x the cadence. */
  missing: z.array(CoverageGapSchema),
});
export type Coverage = z.infer<typeof CoverageSchema>;

export const TesComponentsSchema = z.object({
  stability: z.number(),
  velocity: z.number(),
  footprint: z.number(),
  compliance: z.number().optional(),
  coherence: z.number().optional(),
});
export type TesComponents = z.infer<typeof TesComponentsSchema>;

export const TesScoreSchema = z.object({
  /** A target instance id, or 'probe' for the probe as a whole. */
  subject: z.string(),
  score: z.number(),
  variant: z.enum(['v2', 'v3']),
  components: TesComponentsSchema,
  runMs: z.number(),
  filesChanged: z.number(),
  outcome: z.enum(['exited', 'failed', 'stopped', 'running']),
  drift: DriftClassSchema,
  /** Points lost to each component, so a reader sees which penalty explains a low score. */
  penalties: z.object({
    stability: z.number(),
    velocity: z.number(),
    footprint: z.number(),
    compliance: z.number(),
    coherence: z.number(),
  }),
});
export type TesScore = z.infer<typeof TesScoreSchema>;

/** Free-form details (ledger payloads, agent signals): JSON, checked no further. */
export const DataSchema = z.record(z.string(), z.unknown());

export const RunEventRecordSchema = z.object({
  at: z.number(),
  kind: z.string(),
  message: z.string(),
  targetId: z.string().optional(),
  data: DataSchema.optional(),
});
export type RunEventRecord = z.infer<typeof RunEventRecordSchema>;

/** INCOMPLETE: the run held its thresholds but lacks seed 000's evidence (no burst during its tasks). */
export const VerdictSchema = z.enum(['PASS', 'FAIL', 'HALTED', 'INTERRUPTED', 'INCOMPLETE']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const ThresholdResultSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** The measured value in prose, for people (the report, the CLI). */
  actual: z.string(),
  expected: z.string(),
  /** The measured value as a number, for machines (--json, JUnit, the summary export). */
  value: z.number().nullable().optional(),
  /** The unit of `value`: 'ms', '%', 'count', 'score'. */
  unit: z.string().optional(),
});
export type ThresholdResult = z.infer<typeof ThresholdResultSchema>;
