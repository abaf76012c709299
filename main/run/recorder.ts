/**
 * The recorder: every data point of a run is recorded here once, as one RunStreamEvent, and every
 * output receives that same event (then `onDidRecord` listeners). It keeps the run's live state
 * for late joiners. An output or listener that throws is caught and recorded (one OBSERVER_FAILED
 * anomaly per observer, every error in run.end's observerErrors): observers never break a run.
 */
import { RUN_STATE_WINDOW, type RunStreamEvent, type RunSummary } from '../model/api';
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
import { PulseStore } from './pulse-store';

/** Samples kept in memory for the live view; every sample still goes to the ledger. */
const SAMPLES_IN_MEMORY = 3600;
/**
 * Snapshots kept whole (host, every target's row and state) for the live view; older held ones
 * keep their slot, times and host figures only unless an anomaly's review needs them (see
 * SNAPSHOTS_HELD). With 20 targets a whole snapshot is ~10 KB: 86,400 of them (24 h at 1 s) would
 * be most of a gigabyte. 600 = the last 10 minutes at 1 s.
 */
export const SNAPSHOTS_WHOLE = 600;
/**
 * Snapshots held at all: the live view's window (runs.state sends the latest RUN_STATE_WINDOW).
 * Older ones are dropped unless an anomaly review needs them: their count and times (8 bytes
 * each) are all coverage and the report use. Keeping 86,400 thin ones (~330 B each) grew the heap
 * 1.2 MB per simulated hour of the soak (bench/soak.ts), and V8's committed old space twice that.
 */
export const SNAPSHOTS_HELD = RUN_STATE_WINDOW;
/** Dropped in blocks, so a long run costs one pass over the window per this many snapshots. */
const SNAPSHOT_TRIM_BLOCK = 1000;
/** Events kept in memory (the report lists the last 1,000; the ledger keeps every one). */
const EVENTS_IN_MEMORY = 10_000;
const NO_ROWS: never[] = [];

export class Recorder implements RecordedRun, Disposable {
  /** Every pulse, compact (see PulseStore): read through `pulses`, `pulseCount`, `lastPulse`. */
  private readonly pulseStore = new PulseStore();
  readonly samples: ResourceSample[] = [];
  /**
   * Snapshots in order: those an anomaly review needs, then the last SNAPSHOTS_HELD (at least;
   * trimmed in blocks), the last SNAPSHOTS_WHOLE of them whole, the older thin (see SNAPSHOTS_WHOLE).
   * Every snapshot's count and time are kept apart: snapshotCount, snapshotTimes().
   */
  private held: Snapshot[] = [];
  /** How many of `held` are pinned ones that left the window (they come first). */
  private heldOld = 0;
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

  /** Every pulse in order, read back from the store on each read (new objects): read once. */
  get pulses(): Pulse[] {
    return this.pulseStore.all();
  }

  get pulseCount(): number {
    return this.pulseStore.length;
  }

  get lastPulse(): Pulse | null {
    return this.pulseStore.latest();
  }

  pulse(pulse: Pulse): void {
    this.pulseStore.push(pulse);
    this.emit({ type: 'pulse', runId: this.runId, pulse });
  }

  sample(sample: ResourceSample, guard?: GuardProgress[]): void {
    this.samples.push(sample);
    this.resources.add(sample);
    if (this.samples.length > SAMPLES_IN_MEMORY)
      this.samples.splice(0, this.samples.length - SAMPLES_IN_MEMORY);
    this.emit({ type: 'sample', runId: this.runId, sample, ...(guard ? { guard } : {}) });
  }

  /** The snapshots held (see `held`): the live view's window and every one an anomaly review needs. */
  get snapshots(): readonly Snapshot[] {
    return this.held;
  }

  snapshot(snapshot: Snapshot, coverage: Coverage): void {
    this.held.push(snapshot);
    if (this.timesLength === this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[this.timesLength++] = snapshot.at;
    this.pinForAnomalies(snapshot);
    this.thin(this.held.length - 1 - SNAPSHOTS_WHOLE);
    if (this.held.length - this.heldOld > SNAPSHOTS_HELD + SNAPSHOT_TRIM_BLOCK) this.trimSnapshots();
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

  /**
   * The snapshot at or before `at` (the newest such) and the first after it are pinned: now if held,
   * the first after on arrival otherwise (an anomaly stamped before its recording may already have
   * one after it).
   */
  private pinAround(at: number): void {
    let after: Snapshot | null = null;
    for (let i = this.held.length - 1; i >= 0; i--) {
      const s = this.held[i] as Snapshot;
      if (s.at <= at) {
        this.pinned.add(s);
        break;
      }
      after = s;
    }
    if (after) this.pinned.add(after);
    else this.awaitingAfter.push(at);
  }

  /** Drops the snapshots that left the window, keeping the pinned ones (in order, before it). */
  private trimSnapshots(): void {
    const cut = this.held.length - SNAPSHOTS_HELD;
    const leaving = this.held.slice(this.heldOld, cut).filter((s) => this.pinned.has(s));
    this.held = [...this.held.slice(0, this.heldOld), ...leaving, ...this.held.slice(cut)];
    this.heldOld += leaving.length;
  }

  private pinForAnomalies(s: Snapshot): void {
    if (!this.awaitingAfter.some((at) => s.at > at)) return;
    this.pinned.add(s);
    this.awaitingAfter = this.awaitingAfter.filter((at) => s.at <= at);
  }

  /** Replaces snapshot `i` by its thin form (its rows and states dropped), unless it is pinned. */
  private thin(i: number): void {
    const s = this.held[i];
    if (!s || this.pinned.has(s) || s.targets === NO_ROWS) return;
    this.held[i] = { ...s, targets: NO_ROWS, states: NO_ROWS };
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
