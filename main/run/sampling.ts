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

export class SampleTaker {
  readonly sampler = new Sampler();
  private readonly guard: GuardRails;
  /** The first guard-rail trip (the run is halted by it; later ones add nothing). */
  trip: GuardTrip | null = null;
  /** Live snapshot coverage, kept up as snapshots come (not recomputed over all of them). */
  private coverage: CoverageTracker | null = null;

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

  snapshot(slot: number, plannedAt: number, probeStartAt: number): void {
    const last = this.recorder.samples.at(-1);
    // Files changed as of the last scan; the next one runs in the worker, off this schedule.
    this.targets.refreshFootprints();
    const snap: Snapshot = {
      seq: this.recorder.snapshots.length + 1,
      slot,
      plannedAt,
      at: Date.now(),
      host: last?.host ?? this.sampler.host(),
      targets: last?.targets ?? [],
      states: this.targets.states(),
    };
    this.coverage ??= new CoverageTracker(probeStartAt, this.plan.snapshots.cadenceSec * 1000);
    this.coverage.add(snap.at);
    this.recorder.snapshot(snap, this.coverage.at(Math.max(snap.at, Date.now())));
  }
}
