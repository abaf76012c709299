/**
 * An output of a run, in k6's shape (output/types.go): `start` once, a non-blocking `add` for
 * every recorded event, and `stop` once at the end. The ledger, the UI stream, the CLI view and the
 * signed report are outputs; each receives the same RunStreamEvent the recorder made once.
 */
import type { IntegrityBaseline } from '../evidence/integrity';
import type { TargetDescription, TargetExit } from '../lab/target';
import type { RunStreamEvent } from '../model/api';
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
import type { Plan } from '../model/plan';
import type { BurstSchedule } from '../plans/evidence-schedule';
import type { Confirmation } from '../safety/confirmation';
import type { DriftFinding } from '../scoring/tes';
import type { ContainmentInfo } from '../safety/containment';
import type { ResourcesSummary } from '../reports/resource-stats';

export interface RunMeta {
  runId: string;
  runDir: string;
  outDir: string;
  plan: Plan;
  confirmation: Confirmation;
  startedAt: number;
  /** Which containment is in force (main/safety/containment.ts). */
  containment: ContainmentInfo | null;
}

/** What the recorder holds: read by the console's run state, the thresholds and the report. */
export interface RecordedRun {
  readonly pulses: readonly Pulse[];
  readonly samples: readonly ResourceSample[];
  /** The snapshots held: the latest and those an anomaly review needs (a long run drops the rest). */
  readonly snapshots: readonly Snapshot[];
  /** Every snapshot taken, counted, and their times in order: coverage's and the report's. */
  readonly snapshotCount: number;
  snapshotTimes(): number[];
  readonly events: readonly RunEventRecord[];
  readonly anomalies: readonly Anomaly[];
  readonly tes: readonly TesScore[];
  readonly integrity: IntegrityCheck | null;
  readonly coverage: Coverage | null;
  readonly burstCoverage?: Coverage | null;
  readonly observerErrors: readonly string[];
  /** Resource figures over every sample, where the recorder tallies them. */
  readonly resources?: { summary(): ResourcesSummary };
}

/** Everything the run concluded, handed to every output's `stop`. */
export interface RunConclusion {
  verdict: Verdict;
  haltReason: string | null;
  thresholds: ThresholdResult[];
  probeTes: TesScore | null;
  drift: DriftFinding | null;
  probeStartedAt: number;
  endedAt: number;
  baseline: IntegrityBaseline | null;
  targets: { state: TargetState; describe: TargetDescription; exit: TargetExit | null }[];
  extra: Record<string, unknown>;
  skippedPulses: number;
  /** How the bursts were scheduled (the report's `reason`). */
  burstSchedule?: BurstSchedule;
  /**
   * Every pulse, read back once here from the recorder's compact store (each read of
   * `recorded.pulses` decodes them all): the outputs' `stop` reads these.
   */
  pulses: Pulse[];
  recorded: RecordedRun;
}

export interface RunOutput {
  readonly name: string;
  /**
   * A required output's `stop` failure fails the run (the signed report is the run's product); an
   * observer's failure is caught and recorded, and the run goes on.
   */
  readonly required?: boolean;
  start(meta: RunMeta): void;
  /** Never blocks; a throw is caught by the recorder and recorded as an observer error. */
  add(event: RunStreamEvent): void;
  stop(end: RunConclusion): Promise<void>;
}
