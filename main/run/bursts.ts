/**
 * The bursts of a probe (seed 000 section 3): scheduled from the plan by `burstSchedule` (the
 * first one inside short tasks), each burst's first pulse taking a snapshot (coverage is judged
 * during bursts), and the pulses still running tracked so clean-up can wait for them: no pulse is
 * recorded after the run's end.
 */
import type { BurstWindow } from '../evidence/coverage';
import type { Plan } from '../model/plan';
import { burstOffsets, burstSchedule, type BurstSchedule } from '../plans/evidence-schedule';
import type { Disposable } from '../util/event';
import { raceTimeout, scheduleAt } from './schedule';

export class Bursts {
  readonly schedule: BurstSchedule;
  readonly windows: BurstWindow[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly plan: Plan) {
    this.schedule = burstSchedule(plan);
  }

  start(
    t0: number,
    hooks: {
      snapshot(slot: number, plannedAt: number): void;
      pulse(burst: number, plannedAt: number): Promise<void>;
    },
  ): Disposable {
    const b = this.schedule;
    const snapshotMs = this.plan.snapshots.cadenceSec * 1000;
    return scheduleAt(t0, burstOffsets(b), (f) => {
      // The snapshot first: taking it is a stamp and a few reads (its record waits for the next
      // loop phase), while sending the health checks (a /proc read and a pty write per target)
      // costs milliseconds under load, and a snapshot taken after them read as late by that much.
      // So every pulse planned on the snapshot grid takes that snapshot first (once: the grid's
      // own timer then finds it taken), whichever of the two timers Node runs first. The pulse's
      // latency runs from its planned time, so it counts the stamp honestly.
      if (f.index % b.count === 0)
        this.windows.push({ from: f.plannedAt, to: f.plannedAt + b.count * b.spacingMs });
      if (f.index % b.count === 0 || (f.plannedAt - t0) % snapshotMs === 0)
        hooks.snapshot(Math.round((f.plannedAt - t0) / snapshotMs), f.plannedAt);
      const p = hooks.pulse(Math.floor(f.index / b.count) + 1, f.plannedAt);
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    });
  }

  /** Resolves once every burst pulse under way has been recorded, or after its longest wait. */
  async settled(graceMs: number): Promise<void> {
    const p = this.plan;
    const ms = p.pulses.timeoutSec * 1000 + p.thresholds.fileIo.critMs + graceMs;
    await raceTimeout(Promise.all(this.inFlight), ms);
  }

  /**
   * The run events that start the probe clock, said every time with their figures in `data`: the
   * live views count the max duration from here, and the report says how bursts were scheduled.
   */
  clockEvents(t0: number, spawnAt: number): { message: string; data: Record<string, unknown> }[] {
    return [
      {
        message: `targets up after ${((t0 - spawnAt) / 1000).toFixed(1)} s; the probe clock starts now (max ${this.plan.run.maxDurationSec} s from here)`,
        data: { probeClockStartedAt: t0, targetsUpAfterMs: t0 - spawnAt },
      },
      { message: `bursts: ${this.schedule.reason}`, data: { burstSchedule: { ...this.schedule } } },
    ];
  }
}
