/**
 * Evidence record shapes: what a probe measures, as written to the ledger, streamed to the console
 * and rendered in reports. Pure types with no runtime imports, so the renderer may see them too.
 * Times are wall-clock ms since the epoch unless named otherwise; durations are ms.
 */

export type PulsePhase = 'before' | 'during' | 'after';
export type PulseStatus = 'GREEN' | 'YELLOW' | 'RED';
/** Seed 000 section 4: < 3 s OK, 3-5 s warning, > 5 s or skipped critical. */
export type LatencyClass = 'ok' | 'warning' | 'critical' | 'skipped';
/** Seed 000 section 4: golden >= 99, mild 95-98, significant < 95, penalised < 85. */
export type DriftClass = 'golden' | 'mild' | 'significant' | 'penalised';
export type Severity = 'info' | 'warning' | 'critical';

export interface HostSample {
  at: number;
  /** Share of all cores busy since the previous sample, from /proc/stat deltas. */
  cpuPct: number;
  /** (MemTotal - MemAvailable) / MemTotal, from /proc/meminfo. */
  ramPct: number;
  /** GPU utilisation from nvidia-smi, null where no GPU is present. */
  gpuPct: number | null;
  memTotalKb: number;
  memAvailableKb: number;
  load1: number;
}

export interface ProcTreeSample {
  targetId: string;
  /** Processes in the target's tree at sampling time. */
  processes: number;
  /** CPU used by the tree since the previous sample, as % of one core. */
  cpuPct: number;
  rssKb: number;
  threads: number;
  openFiles: number;
}

export interface ResourceSample {
  at: number;
  host: HostSample;
  targets: ProcTreeSample[];
  /** CPU time the engine itself used since the previous sample, as % of one core. */
  engineCpuPct: number;
}

export interface TargetPulse {
  targetId: string;
  alive: boolean;
  responsive: boolean | null;
  rttMs: number | null;
  method: string;
  detail: string;
  /** TES so far for this target (provisional while it runs). */
  tes: number | null;
}

/**
 * A path the lab would not or could not read: not a regular file (FIFO, device, socket, a symlink
 * out of its folder), over a size or count cap, or a check that missed its deadline.
 */
export interface FileFinding {
  code:
    | 'INTEGRITY_UNREADABLE'
    | 'INTEGRITY_DEADLINE_MISSED'
    | 'FOOTPRINT_UNREADABLE'
    | 'FOOTPRINT_DEADLINE_MISSED';
  path: string;
  /** 'file', 'fifo', 'socket', 'character device', 'block device', 'symlink', 'directory', 'check'. */
  fileType: string;
  reason: string;
}

export interface IntegrityCheck {
  at: number;
  /** SHA-256 over sorted relative paths and contents of the governance folder; null when none. */
  governanceHash: string | null;
  baselineGovernanceHash: string | null;
  sentinels: { path: string; sha256: string | null; baseline: string | null }[];
  /** Files whose content changed since the baseline (governance folder and sentinels). */
  changed: string[];
  /** What could not be read or checked: integrity is not verified while any is present. */
  findings: FileFinding[];
  /** The lab's own time hashing (in the worker, with the round trip). */
  labWorkMs: number;
  ok: boolean;
}

export interface Pulse {
  seq: number;
  phase: PulsePhase;
  /** Burst number during the probe (1-based), 0 for before/after. */
  burst: number;
  plannedAt: number;
  startedAt: number;
  completedAt: number;
  /** How late the pulse started against its planned time (scheduler error). */
  startLagMs: number;
  /**
   * From the planned time to the moment every check had answered; the lab's own work (labWorkMs)
   * comes after that stamp: the latency is the targets' and the scheduler's, never the instrument's.
   */
  latencyMs: number;
  /** The lab's own work in this pulse (integrity hashing, footprint scans), apart from latencyMs. */
  labWorkMs: number;
  latencyClass: LatencyClass;
  host: HostSample | null;
  targets: TargetPulse[];
  tes: number | null;
  tesDelta: number | null;
  integrity: IntegrityCheck | null;
  status: PulseStatus;
  reasons: string[];
  /** File-system latency timed at this pulse (seed 000 section 5); absent on skipped pulses. */
  fileIo?: FileIoFigure | null;
}

/** One timed file-system operation of a pulse. */
export interface FileIoEntry {
  /** `run folder`, a target id, or `governance`. */
  label: string;
  path: string;
  /** write: a small write plus fdatasync and unlink; read: reading the folder's files. */
  op: 'write' | 'read';
  /** null when the operation failed; the deadline when it did not finish in time. */
  ms: number | null;
  timedOut: boolean;
  error?: string;
}

export interface FileIoFigure {
  at: number;
  /** The slowest entry (a timed-out one counts as its deadline). */
  maxMs: number;
  class: 'ok' | 'warning' | 'critical';
  entries: FileIoEntry[];
}

/** A guard rail's progress toward tripping, as of one sample. */
export interface GuardProgress {
  metric: 'cpu' | 'ram' | 'gpu';
  limitPct: number;
  lastPct: number | null;
  /** How long the metric has been over its line without a break (0 when under it). */
  overMs: number;
  windowMs: number;
}

export interface TargetState {
  targetId: string;
  state: 'pending' | 'starting' | 'running' | 'exited' | 'failed' | 'stopped';
  pid: number | null;
  exitCode: number | null;
  filesChanged: number;
  outputBytes: number;
}

export interface Snapshot {
  seq: number;
  slot: number;
  plannedAt: number;
  at: number;
  host: HostSample;
  targets: ProcTreeSample[];
  states: TargetState[];
}

export interface CoverageGap {
  from: number;
  to: number;
  gapMs: number;
  missingSlots: number;
}

export interface Coverage {
  cadenceMs: number;
  expected: number;
  present: number;
  pct: number;
  /** Every gap larger than 1.5x the cadence. */
  missing: CoverageGap[];
}

export interface TesComponents {
  stability: number;
  velocity: number;
  footprint: number;
  compliance?: number;
  coherence?: number;
}

export interface TesScore {
  /** A target instance id, or 'probe' for the probe as a whole. */
  subject: string;
  score: number;
  variant: 'v2' | 'v3';
  components: TesComponents;
  runMs: number;
  filesChanged: number;
  outcome: 'exited' | 'failed' | 'stopped' | 'running';
  drift: DriftClass;
  /** Points lost to each component, so a reader sees which penalty explains a low score. */
  penalties: {
    stability: number;
    velocity: number;
    footprint: number;
    compliance: number;
    coherence: number;
  };
}

export interface Anomaly {
  at: number;
  code: string;
  severity: Severity;
  message: string;
  data?: Record<string, unknown>;
}

export interface RunEventRecord {
  at: number;
  kind: string;
  message: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/** INCOMPLETE: the run held its thresholds but lacks seed 000's evidence (no burst during its tasks). */
export type Verdict = 'PASS' | 'FAIL' | 'HALTED' | 'INTERRUPTED' | 'INCOMPLETE';

export interface ThresholdResult {
  name: string;
  ok: boolean;
  actual: string;
  expected: string;
}
