/**
 * The recorder: every data point of a run is recorded here once, as one RunStreamEvent, and every
 * output receives that same event (then `onDidRecord` listeners). It keeps the run's live state
 * for late joiners. An output or listener that throws is caught and recorded (one OBSERVER_FAILED
 * anomaly per observer, every error in run.end's observerErrors): observers never break a run.
 */
import type { RunStreamEvent, RunSummary } from '../model/api';
import type {
  Anomaly,
  Coverage,
  GuardProgress,
  IntegrityCheck,
  Pulse,
  ResourceSample,
  RunEventRecord,
  Snapshot,
  TargetState,
  TesScore,
  ThresholdResult,
} from '../model/evidence';
import { Emitter, type Disposable } from '../util/event';
import type { RecordedRun, RunConclusion, RunMeta, RunOutput } from './output';

/** Samples kept in memory for the live view; every sample still goes to the ledger. */
const SAMPLES_IN_MEMORY = 3600;

export class Recorder implements RecordedRun, Disposable {
  readonly pulses: Pulse[] = [];
  readonly samples: ResourceSample[] = [];
  readonly snapshots: Snapshot[] = [];
  readonly events: RunEventRecord[] = [];
  readonly anomalies: Anomaly[] = [];
  tes: TesScore[] = [];
  integrity: IntegrityCheck | null = null;
  coverage: Coverage | null = null;
  /** Snapshot coverage over the burst windows, set at the end (seed 000's rule). */
  burstCoverage: Coverage | null = null;
  readonly observerErrors: string[] = [];

  private readonly outputs: RunOutput[] = [];
  private readonly failedObservers = new Set<string>();
  private readonly emitter = new Emitter<RunStreamEvent>((err) => this.observerFailed('listener', err));
  readonly onDidRecord = this.emitter.event;

  constructor(private readonly runId: string) {}

  /** Outputs receive events in the order they were added (the ledger first). */
  addOutput(o: RunOutput, meta: RunMeta): void {
    this.outputs.push(o);
    this.guard(o.name, () => o.start(meta));
  }

  pulse(pulse: Pulse): void {
    this.pulses.push(pulse);
    this.emit({ type: 'pulse', runId: this.runId, pulse });
  }

  sample(sample: ResourceSample, guard?: GuardProgress[]): void {
    this.samples.push(sample);
    if (this.samples.length > SAMPLES_IN_MEMORY)
      this.samples.splice(0, this.samples.length - SAMPLES_IN_MEMORY);
    this.emit({ type: 'sample', runId: this.runId, sample, ...(guard ? { guard } : {}) });
  }

  snapshot(snapshot: Snapshot, coverage: Coverage): void {
    this.snapshots.push(snapshot);
    this.coverage = coverage;
    this.emit({ type: 'snapshot', runId: this.runId, snapshot, coverage });
  }

  tesScores(tes: TesScore[]): void {
    this.tes = tes;
    this.emit({ type: 'tes', runId: this.runId, tes });
  }

  integrityCheck(integrity: IntegrityCheck): void {
    this.integrity = integrity;
    this.emit({ type: 'integrity', runId: this.runId, integrity });
  }

  event(event: RunEventRecord): void {
    this.events.push(event);
    this.emit({ type: 'event', runId: this.runId, event });
  }

  anomaly(anomaly: Anomaly): void {
    this.anomalies.push(anomaly);
    this.emit({ type: 'anomaly', runId: this.runId, anomaly });
  }

  targets(targets: TargetState[]): void {
    this.emit({ type: 'targets', runId: this.runId, targets });
  }

  /** Stops every output in order: a required one's failure throws, an observer's is recorded. */
  async stopOutputs(end: RunConclusion): Promise<void> {
    for (const o of this.outputs) {
      if (o.required) await o.stop(end);
      else await o.stop(end).catch((err: unknown) => this.observerFailed(o.name, err));
    }
  }

  /** The last event: the run's summary (with its report) once every output has stopped. */
  ended(run: RunSummary, thresholds: ThresholdResult[]): void {
    this.emit({ type: 'end', runId: this.runId, run, thresholds });
  }

  dispose(): void {
    this.emitter.dispose();
  }

  private emit(e: RunStreamEvent): void {
    for (const o of this.outputs) this.guard(o.name, () => o.add(e));
    this.emitter.fire(e);
  }

  private guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.observerFailed(name, err);
    }
  }

  private observerFailed(name: string, err: unknown): void {
    const message = `${name}: ${String(err)}`;
    this.observerErrors.push(message);
    // One anomaly per observer: a broken observer must be visible, but cannot flood the run.
    if (this.failedObservers.has(name)) return;
    this.failedObservers.add(name);
    this.anomaly({ at: Date.now(), code: 'OBSERVER_FAILED', severity: 'warning', message });
  }
}
