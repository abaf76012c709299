/**
 * Resource samples and snapshots, each taken once on its schedule and handed to the recorder; a
 * sustained breach of a guard rail halts the probe.
 */
import { CoverageTracker } from '../evidence/coverage';
import { Sampler } from '../evidence/sampler';
import type { Anomaly, HostSample, Snapshot } from '../model/evidence';
import type { Plan } from '../model/plan';
import { GuardRails, type GuardTrip } from '../safety/guard-rails';
import type { TargetSet } from './instances';
import type { Recorder } from './recorder';
import { every, scheduleAt } from './schedule';
import type { Disposable } from '../util/event';

export class SampleTaker {
  readonly sampler = new Sampler();
  private readonly guard: GuardRails;
  /** The first guard-rail trip (the run is halted by it; later ones add nothing). */
  trip: GuardTrip | null = null;
  /** Live snapshot coverage, kept up as snapshots come (not recomputed over all of them). */
  private coverage: CoverageTracker | null = null;
  /** The planned instant of the last snapshot: the grid and a burst planned for it share one. */
  private lastPlannedAt = -1;
  /** Snapshots taken and not yet handed to the recorder (see snapshot()). */
  private unrecorded = 0;

  constructor(
    private readonly plan: Plan,
    private readonly recorder: Recorder,
    private readonly targets: TargetSet,
    private readonly hooks: {
      anomaly(
        code: Anomaly['code'],
        severity: Anomaly['severity'],
        message: string,
        data?: Record<string, unknown>,
      ): void;
      requestHalt(reason: string): void;
    },
  ) {
    this.guard = new GuardRails(plan.thresholds.guard);
  }

  /** The latest host figures: the last sample's, or read now. */
  host(): HostSample {
    return this.recorder.samples.at(-1)?.host ?? this.sampler.host();
  }

  knownPids(): number[] {
    const set = new Set<number>();
    for (const i of this.targets.list) {
      if (i.state.pid) set.add(i.state.pid);
      for (const s of this.sampler.seenFor(i.state.targetId)) set.add(s.pid);
    }
    return [...set];
  }

  /**
   * Samples every `intervalMs` from t0. Sampling reads /proc on this thread, so each one is deferred
   * past the timers phase: a pulse or snapshot planned for the same instant (the schedules share t0
   * and round cadences) is stamped first.
   */
  schedule(t0: number, intervalMs: number): Disposable {
    let live = true;
    const timer = scheduleAt(t0, every(intervalMs, intervalMs), () =>
      setImmediate(() => {
        if (live) this.sample();
      }),
    );
    return {
      dispose: () => {
        live = false;
        timer.dispose();
      },
    };
  }

  sample(): void {
    try {
      const roots = this.targets.list.map((i) => ({
        targetId: i.state.targetId,
        pids: i.target.rootPids(),
        cell: i.target.cell ?? null,
      }));
      const s = this.sampler.sample(roots);
      const trip = this.guard.observe(s.host);
      this.recorder.sample(s, this.guard.progress());
      if (trip && !this.trip) {
        this.trip = trip;
        const over = `${trip.limitPct}% for ${(trip.sustainedMs / 1000).toFixed(1)} s`;
        this.hooks.anomaly(
          'GUARD_RAIL_TRIPPED',
          'critical',
          `host ${trip.metric.toUpperCase()} ${trip.lastPct}% over ${over}: halting the probe`,
          { ...trip },
        );
        this.hooks.requestHalt(`guard rail: ${trip.metric} over ${over}`);
      }
    } catch (err) {
      this.hooks.anomaly('SAMPLE_FAILED', 'warning', `resource sample failed: ${String(err)}`);
    }
  }

  /**
   * Takes the snapshot planned for `plannedAt`, once: the snapshot grid and a burst that starts on
   * it fire at the same instant, and whichever timer runs first takes it for both (a second record
   * of the same slot and instant added nothing to coverage, and it was stamped after the other's
   * work, so it read as lateness).
   */
  snapshot(slot: number, plannedAt: number, probeStartAt: number): void {
    if (plannedAt === this.lastPlannedAt) return;
    this.lastPlannedAt = plannedAt;
    // Stamped first: handing the next footprint scan to the worker is the lab's work, not lateness.
    const at = Date.now();
    const last = this.recorder.samples.at(-1);
    // Files changed as of the last scan; the next one runs in the worker, off this schedule.
    this.targets.refreshFootprints();
    const snap: Snapshot = {
      seq: this.recorder.snapshotCount + this.unrecorded + 1,
      slot,
      plannedAt,
      at,
      host: last?.host ?? this.sampler.host(),
      targets: last?.targets ?? [],
      states: this.targets.states(),
    };
    const coverage = (this.coverage ??= new CoverageTracker(
      probeStartAt,
      this.plan.snapshots.cadenceSec * 1000,
    ));
    coverage.add(snap.at);
    // Recorded once the timers due now have fired: a pulse planned for this instant starts
    // without waiting behind the record (the ledger line, the live views), which is bookkeeping
    // of what was taken above. setImmediate runs before any later timer or I/O of the loop.
    this.unrecorded++;
    setImmediate(() => {
      this.unrecorded--;
      this.recorder.snapshot(snap, coverage.at(Math.max(snap.at, Date.now())));
    });
  }
}
