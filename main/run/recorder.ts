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
import { ResourceTally } from '../reports/resource-stats';
import { Emitter, type Disposable } from '../util/event';
import type { RecordedRun, RunConclusion, RunMeta, RunOutput } from './output';

/** Samples kept in memory for the live view; every sample still goes to the ledger. */
const SAMPLES_IN_MEMORY = 3600;
/**
 * Snapshots kept whole (host, every target's row and state) for the live view; older ones keep
 * their slot, times and host figures only (coverage, counts and the report's times stay exact)
 * unless an anomaly's review needs them. With 20 targets a whole snapshot is ~10 KB: 86,400 of
 * them (24 h at 1 s) would be most of a gigabyte. 600 = the last 10 minutes at 1 s.
 */
export const SNAPSHOTS_WHOLE = 600;
/** Events kept in memory (the report lists the last 1,000; the ledger keeps every one). */
const EVENTS_IN_MEMORY = 10_000;
const NO_ROWS: never[] = [];

export class Recorder implements RecordedRun, Disposable {
  readonly pulses: Pulse[] = [];
  readonly samples: ResourceSample[] = [];
  /**
   * Every snapshot in order (its count and times are the coverage's), the last SNAPSHOTS_WHOLE
   * and those an anomaly review needs whole, the older ones thin (see SNAPSHOTS_WHOLE).
   */
  readonly snapshots: Snapshot[] = [];
  readonly events: RunEventRecord[] = [];
  readonly anomalies: Anomaly[] = [];
  tes: TesScore[] = [];
  integrity: IntegrityCheck | null = null;
  coverage: Coverage | null = null;
  /** Snapshot coverage over the burst windows, set at the end (seed 000's rule). */
  burstCoverage: Coverage | null = null;
  readonly observerErrors: string[] = [];
  /** The report's resource figures over every sample (the array above keeps the last hour). */
  readonly resources = new ResourceTally();

  private readonly outputs: RunOutput[] = [];
  /** Every snapshot's time, 8 bytes each: what coverage needs once the snapshots are bounded. */
  private times = new Float64Array(1024);
  private timesLength = 0;
  /** Snapshots an anomaly review compares (the last at or before it, the first after): kept whole. */
  private readonly pinned = new Set<Snapshot>();
  /** Anomaly times still waiting for their first snapshot after them. */
  private awaitingAfter: number[] = [];
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
    this.resources.add(sample);
    if (this.samples.length > SAMPLES_IN_MEMORY)
      this.samples.splice(0, this.samples.length - SAMPLES_IN_MEMORY);
    this.emit({ type: 'sample', runId: this.runId, sample, ...(guard ? { guard } : {}) });
  }

  snapshot(snapshot: Snapshot, coverage: Coverage): void {
    this.snapshots.push(snapshot);
    if (this.timesLength === this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[this.timesLength++] = snapshot.at;
    this.pinForAnomalies(snapshot);
    this.thin(this.snapshots.length - 1 - SNAPSHOTS_WHOLE);
    this.coverage = coverage;
    this.emit({ type: 'snapshot', runId: this.runId, snapshot, coverage });
  }

  /** How many snapshots were recorded (the next one's seq is this + 1). */
  get snapshotCount(): number {
    return this.timesLength;
  }

  /** Every snapshot's time, in the order recorded (a copy: coverage sorts its input). */
  snapshotTimes(): number[] {
    return Array.from(this.times.subarray(0, this.timesLength));
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
    // Trimmed in blocks, so a chatty agent costs one splice per thousand events, not one each.
    if (this.events.length > EVENTS_IN_MEMORY + 1000)
      this.events.splice(0, this.events.length - EVENTS_IN_MEMORY);
    this.emit({ type: 'event', runId: this.runId, event });
  }

  anomaly(anomaly: Anomaly): void {
    this.anomalies.push(anomaly);
    this.pinAround(anomaly.at);
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

  /** The snapshot at or before `at` (the newest such) is pinned now, the first after it on arrival. */
  private pinAround(at: number): void {
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const s = this.snapshots[i] as Snapshot;
      if (s.at <= at) {
        this.pinned.add(s);
        break;
      }
    }
    this.awaitingAfter.push(at);
  }

  private pinForAnomalies(s: Snapshot): void {
    if (!this.awaitingAfter.some((at) => s.at > at)) return;
    this.pinned.add(s);
    this.awaitingAfter = this.awaitingAfter.filter((at) => s.at <= at);
  }

  /** Replaces snapshot `i` by its thin form (its rows and states dropped), unless it is pinned. */
  private thin(i: number): void {
    const s = this.snapshots[i];
    if (!s || this.pinned.has(s) || s.targets === NO_ROWS) return;
    this.snapshots[i] = { ...s, targets: NO_ROWS, states: NO_ROWS };
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
