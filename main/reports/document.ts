/**
 * The report document: every figure of a run in one JSON-able shape, with how each was measured.
 * Rendered to Markdown (markdown.ts) and signed beside it (report.ts).
 */
import type { Confirmation } from '../safety/confirmation';
import { planHash } from '../safety/confirmation';
import type { Plan } from '../model/plan';
import type { ContainmentInfo } from '../safety/containment';
import type { BurstSchedule } from '../plans/evidence-schedule';
import type { IntegrityBaseline } from '../evidence/integrity';
import type {
  Anomaly,
  Coverage,
  IntegrityCheck,
  Pulse,
  ResourceSample,
  RunEventRecord,
  Snapshot,
  TargetState,
  TesScore,
  ThresholdResult,
  Verdict,
} from '../model/evidence';
import type { TargetDescription, TargetExit } from '../lab/target';
import type { DriftFinding } from '../scoring/tes';
import { REPORT_NAMESPACE } from './keys';
import { REPORT_SCHEMA, type ReportDocument } from '../model/report';
import { anomalyContexts } from './anomaly-context';
import { ResourceTally, ValueTally, type ResourcesSummary } from './resource-stats';

export { REPORT_SCHEMA };
export type { ReportDocument };

/** How each figure was measured: printed in every report, so no number stands alone. */
export const METHODS: Record<string, string> = {
  pulseLatency:
    "From the pulse's planned time (fixed schedule from the probe start) to the moment every check answered; < warnSec OK, warnSec-critSec warning, > critSec critical; a pulse that could not run is skipped and counted. The lab's own work (integrity hashing and footprint scans, in a worker thread with a deadline) is timed apart in the lab work column and left out of the latency, so the instrument never makes a pulse late.",
  responsiveness:
    'Agents: a `@lab ping <nonce>` written to the pty, timed with the monotonic clock until the matching pong line arrived (or output activity / liveness, as the plan says). Kernels: a shell command round trip over the serial console.',
  hostCpu: 'Busy share of all cores from /proc/stat deltas between consecutive samples.',
  hostRam: '(MemTotal - MemAvailable) / MemTotal from /proc/meminfo.',
  gpu: 'nvidia-smi utilization.gpu, sampled every 5 s where nvidia-smi exists; otherwise not present.',
  targetResources:
    "Contained (cgroup v2/v1): each target's cgroup: CPU from cpu.stat usage_usec (v1 cpuacct.usage) deltas, memory from memory.current (v1 memory.usage_in_bytes, page cache included), processes from cgroup.procs; threads and open files every fifth sample. Process tree: the tree walked through /proc/<pid>/task/<tid>/children; CPU from utime+stime deltas, RSS from /proc/<pid>/stat, open files from /proc/<pid>/fd.",
  containment:
    'cgroup v2: every target runs in a cgroup of its own, entered before its command starts; Halt writes cgroup.kill and waits for populated 0. cgroup v1: the freezer cgroup is frozen, every process in it SIGKILLed, then thawed. pid namespace (no cgroup): each agent is the init of a PID namespace of its own; when it dies the kernel kills every process inside, however it detached. process tree (weaker): the tree walk plus a search by PROBE_LAB_RUN_ID in each process environment; a daemon that left the tree and cleared its environment escapes it.',
  snapshots:
    "Resources and target state at the plan's cadence; coverage = slots with a snapshot within half a cadence / slots expected; every gap over 1.5x the cadence listed.",
  tes: "v2: 100 x (0.5 stability + 0.3 velocity + 0.2 footprint); v3: 100 x (0.4 stability + 0.2 velocity + 0.15 footprint + 0.15 compliance + 0.1 coherence). Run time measured from spawn to exit; files changed by comparing scans of the agent's working folder (created, modified, deleted).",
  integrity:
    'SHA-256 over the sorted relative paths and contents of the governance folder, and SHA-256 of each sentinel file, before, at every pulse and after. Only regular files are opened (lstat first, then O_NONBLOCK | O_NOFOLLOW and fstat): a FIFO, device, socket, symlink out of the folder or file over the size cap is an INTEGRITY_UNREADABLE anomaly, never a read; a check over its deadline is INTEGRITY_DEADLINE_MISSED.',
  fileIo:
    "At every pulse, after its latency stamp: a 4 KiB write plus fdatasync (then unlink) in the run's folder and in each target's working folder, and a read of the governance folder's files (at most 64 files, 1 MB), each timed with the monotonic clock through fs.promises against its own deadline (critMs + 1 s); the pulse's figure is the slowest; at or over warnMs a FILE_IO_SLOW anomaly (critical at critMs).",
  guardRails: 'A host metric over its limit in every sample for the whole window halts the probe.',
  anomalyReview:
    'Each anomaly (A1, A2, ... in the order raised) with the last snapshot at or before it and the first after it, compared field by field (times left out); the pulse that caught it (the one it was raised in: started before it, with its checks and lab work just done; else the first pulse after it); and the governance hash from the integrity check of that pulse (else of the next pulse, else the final check). Reviews are recorded after the run with `probe-lab review` or from History: appended to the ledger and signed into the review addendum beside this report.',
  ledger:
    'Every pulse, sample, snapshot, event and anomaly appended as a JSON line carrying the SHA-256 of the previous line; fdatasync at least every second and at once for pulses, anomalies and the end.',
};

export interface ReportInput {
  outDir: string;
  runId: string;
  runDir: string;
  plan: Plan;
  confirmation: Confirmation;
  startedAt: number;
  probeStartedAt: number;
  endedAt: number;
  verdict: Verdict;
  haltReason: string | null;
  thresholds: ThresholdResult[];
  pulses: Pulse[];
  /**
   * The snapshots an anomaly review may compare: every one, or (a long run) the latest and those
   * around each anomaly, with the count and times of all of them below.
   */
  snapshots: Snapshot[];
  /** Snapshots taken; `snapshots.length` when absent. */
  snapshotCount?: number;
  /** Every snapshot's time in order (the coverage chart); taken from `snapshots` when absent. */
  snapshotTimes?: number[];
  coverage: Coverage | null;
  /** Snapshot coverage over the burst windows (seed 000's rule); the whole-run one is `coverage`. */
  burstCoverage?: Coverage | null;
  /** How the bursts were scheduled, with its one-sentence reason. */
  burstSchedule?: BurstSchedule | null;
  tes: TesScore[];
  drift: DriftFinding | null;
  integrity: IntegrityCheck | null;
  baseline: IntegrityBaseline | null;
  anomalies: Anomaly[];
  events: RunEventRecord[];
  /** The samples held in memory (the last hour of a long run): the charts' and results' series. */
  samples: ResourceSample[];
  /** Figures over every sample of the run, tallied as recorded; else computed from `samples`. */
  resources?: ResourcesSummary;
  targets: { state: TargetState; describe: TargetDescription; exit: TargetExit | null }[];
  ledger: { file: string; records: number; head: string };
  ledgerFailure: string | null;
  /** Which containment was in force (absent in reports written before it existed). */
  containment?: ContainmentInfo | null;
  /** Kind-specific results (chaos scenarios, stress measurements). */
  extra?: Record<string, unknown>;
}

/** The report's count/min/p50/p95/max/mean of a list: the same figures the resource tally gives. */
function stats(xs: number[]) {
  const t = new ValueTally();
  for (const x of xs) t.add(x);
  return t.stats();
}

/** The evidence check's row (scoring/verdict.ts BURST_EVIDENCE): present, and why not when not. */
function evidenceRow(thresholds: ThresholdResult[]): { ok: boolean; why: string } | null {
  const t = thresholds.find((x) => x.name === 'burst during the tasks');
  return t ? { ok: t.ok, why: t.actual } : null;
}

/** File I/O timed at the pulses (seed 000 section 5): percentiles of each pulse's slowest operation. */
function fileIoSummary(pulses: Pulse[], plan: Plan) {
  const figures = pulses.flatMap((p) => (p.fileIo ? [{ seq: p.seq, f: p.fileIo }] : []));
  const byClass = { ok: 0, warning: 0, critical: 0 };
  for (const x of figures) byClass[x.f.class]++;
  return {
    warnMs: plan.thresholds.fileIo.warnMs,
    critMs: plan.thresholds.fileIo.critMs,
    maxMs: stats(figures.map((x) => x.f.maxMs)),
    byClass,
    slowest: figures.reduce<{ seq: number; f: NonNullable<Pulse['fileIo']> } | null>(
      (w, x) => (!w || x.f.maxMs > w.f.maxMs ? x : w),
      null,
    ),
  };
}

export function reportBaseName(at: number): string {
  return `scale_probe_${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
}

export function buildReportDocument(input: ReportInput, signerOpenssh: string): ReportDocument {
  const during = input.pulses.filter((p) => p.phase === 'during');
  const byClass = { ok: 0, warning: 0, critical: 0, skipped: 0 };
  for (const p of input.pulses) byClass[p.latencyClass]++;
  const probe = input.tes.find((t) => t.subject === 'probe') ?? null;
  return {
    schema: REPORT_SCHEMA,
    runId: input.runId,
    plan: {
      id: input.plan.id,
      title: input.plan.title,
      kind: input.plan.kind,
      hash: planHash(input.plan),
      definition: input.plan,
    },
    confirmation: {
      by: input.confirmation.by,
      issuedAt: input.confirmation.issuedAt,
      planHash: input.confirmation.planHash,
    },
    startedAt: input.startedAt,
    probeStartedAt: input.probeStartedAt,
    endedAt: input.endedAt,
    durationMs: input.endedAt - input.startedAt,
    verdict: input.verdict,
    haltReason: input.haltReason,
    containment: input.containment ?? null,
    checklist: {
      pulseBefore: input.pulses.some((p) => p.phase === 'before' && p.latencyClass !== 'skipped'),
      burstsDuring: during.length,
      compliancePulseAfter: input.pulses.some((p) => p.phase === 'after' && p.latencyClass !== 'skipped'),
      tesRecalculated: probe !== null,
      burstDuringTasks: evidenceRow(input.thresholds),
    },
    burstSchedule: input.burstSchedule ?? null,
    fileIo: fileIoSummary(input.pulses, input.plan),
    thresholds: input.thresholds,
    pulses: {
      count: input.pulses.length,
      byClass,
      latencyMs: stats(input.pulses.filter((p) => p.latencyClass !== 'skipped').map((p) => p.latencyMs)),
      startLagMs: stats(input.pulses.filter((p) => p.latencyClass !== 'skipped').map((p) => p.startLagMs)),
      rttMs: stats(
        input.pulses.flatMap((p) => p.targets.map((t) => t.rttMs).filter((x): x is number => x !== null)),
      ),
      list: input.pulses,
    },
    snapshots: {
      count: input.snapshotCount ?? input.snapshots.length,
      cadenceSec: input.plan.snapshots.cadenceSec,
      coverage: input.coverage,
      burstCoverage: input.burstCoverage ?? null,
    },
    tes: {
      probe,
      runs: input.tes.filter((t) => t.subject !== 'probe'),
      drift: input.drift,
      config: input.plan.tes,
    },
    integrity: {
      baseline: input.baseline
        ? {
            governanceFolder: input.baseline.governanceFolder,
            governanceHash: input.baseline.governanceHash,
            sentinels: input.baseline.sentinels,
          }
        : null,
      final: input.integrity,
    },
    resources: input.resources ?? ResourceTally.of(input.samples).summary(),
    targets: input.targets,
    anomalies: input.anomalies,
    /** Seed 000 §5, per anomaly (same order, ids A1, A2, ...): snapshots around it, governance hash, pulse. */
    anomalyReview: anomalyContexts({
      anomalies: input.anomalies,
      snapshots: input.snapshots,
      pulses: input.pulses,
      finalIntegrity: input.integrity,
    }),
    events: input.events.slice(-1000),
    extra: input.extra ?? {},
    ledger: { ...input.ledger, failure: input.ledgerFailure },
    signer: { openssh: signerOpenssh, namespace: REPORT_NAMESPACE },
    methods: METHODS,
  };
}
