/**
 * Snapshot coverage: slots expected vs present over a window, and every gap between consecutive
 * snapshots (or the window's edges) larger than 1.5x the cadence, listed as a missing entry.
 */
import type { Coverage, CoverageGap } from '../model/evidence';

/** Seed 000: a gap larger than this many cadences is a missing snapshot. */
export const GAP_FACTOR = 1.5;

/**
 * Coverage of a finished window: the live tracker below fed every snapshot in it, in time order.
 * Slots are t0, t0 + cadence, ... strictly before the stop (a slot at or after the stop had no
 * chance to be taken; the slot at t0 is always expected), and a slot is present when some snapshot
 * landed within half a cadence of it.
 */
export function computeCoverage(
  times: number[],
  windowStart: number,
  windowEnd: number,
  cadenceMs: number,
): Coverage {
  const tracker = new CoverageTracker(windowStart, cadenceMs);
  for (const t of times.filter((t) => t >= windowStart && t <= windowEnd).sort((a, b) => a - b))
    tracker.add(t);
  return tracker.at(windowEnd);
}

/**
 * Snapshot coverage kept up as snapshots come, in O(1) amortised per snapshot instead of a pass
 * over every snapshot so far (a 24 h run at 1 s has 86,400): snapshots arrive in time order, so
 * slots and gaps behind the newest one are settled and only the tail is judged again. A property
 * test holds it to a plain pass over all the times.
 */
export class CoverageTracker {
  /** Snapshots not yet matched to a settled slot (a few at most). */
  private readonly pending: number[] = [];
  /** Slots settled: their match cannot change, since later snapshots come later. */
  private settledSlots = 0;
  private present = 0;
  private readonly gaps: CoverageGap[] = [];
  private last: number;

  constructor(
    private readonly windowStart: number,
    private readonly cadenceMs: number,
  ) {
    this.last = windowStart;
  }

  /**
   * A snapshot stamped before the previous one (the wall clock stepped back) counts at the previous
   * one's time: a live figure must not throw mid-run; the final coverage (run/conclude.ts) sorts.
   */
  add(stamp: number): void {
    if (stamp < this.windowStart) return;
    const at = Math.max(stamp, this.last);
    const gapMs = at - this.last;
    if (gapMs > GAP_FACTOR * this.cadenceMs)
      this.gaps.push({
        from: this.last,
        to: at,
        gapMs,
        missingSlots: Math.max(1, Math.round(gapMs / this.cadenceMs) - 1),
      });
    this.last = at;
    this.pending.push(at);
    // Settle every slot whose half-cadence window closed before this snapshot.
    const half = this.cadenceMs / 2;
    for (;;) {
      const slot = this.windowStart + this.settledSlots * this.cadenceMs;
      if (slot + half >= at) break;
      while (this.pending.length > 0 && this.pending[0]! < slot - half) this.pending.shift();
      if (this.pending.length > 0 && Math.abs(this.pending[0]! - slot) <= half) {
        this.present++;
        this.pending.shift();
      }
      this.settledSlots++;
    }
  }

  /** The coverage of the window [windowStart, windowEnd], windowEnd at or after the last snapshot. */
  at(windowEnd: number): Coverage {
    const cadenceMs = this.cadenceMs;
    const span = Math.max(0, windowEnd - this.windowStart);
    const expected = Math.max(1, Math.ceil(span / cadenceMs));
    let present = this.present;
    let j = 0;
    const half = cadenceMs / 2;
    for (let k = this.settledSlots; k < expected; k++) {
      const slot = this.windowStart + k * cadenceMs;
      while (j < this.pending.length && this.pending[j]! < slot - half) j++;
      if (j < this.pending.length && Math.abs(this.pending[j]! - slot) <= half) {
        present++;
        j++;
      }
    }
    const present_ = Math.min(present, expected);
    const missing = [...this.gaps];
    const tail = windowEnd - this.last;
    if (tail > GAP_FACTOR * cadenceMs)
      missing.push({
        from: this.last,
        to: windowEnd,
        gapMs: tail,
        missingSlots: Math.max(1, Math.round(tail / cadenceMs) - 1),
      });
    return {
      cadenceMs,
      expected,
      present: present_,
      pct: expected ? Math.round((1000 * present_) / expected) / 10 : 100,
      missing,
    };
  }
}

export interface BurstWindow {
  /** The burst's first pulse, planned. */
  from: number;
  /** The end of its last pulse's slot (last planned pulse + one spacing). */
  to: number;
}

/**
 * Seed 000 section 4 judges snapshots "during burst": each burst that began before the stop is a
 * slot, present when a snapshot was taken inside its window; a burst without one is a missing
 * entry. With no burst begun, nothing is expected (the evidence check says so, not this figure).
 */
export function computeBurstCoverage(times: number[], windows: BurstWindow[], stopAt: number): Coverage {
  const due = windows.filter((w) => w.from < stopAt);
  const missing: CoverageGap[] = [];
  let present = 0;
  for (const w of due) {
    if (times.some((t) => t >= w.from && t <= w.to)) present++;
    else missing.push({ from: w.from, to: w.to, gapMs: w.to - w.from, missingSlots: 1 });
  }
  const cadenceMs = due.length > 1 ? (due[1] as BurstWindow).from - (due[0] as BurstWindow).from : 0;
  return {
    cadenceMs,
    expected: due.length,
    present,
    pct: due.length ? Math.round((1000 * present) / due.length) / 10 : 100,
    missing,
  };
}
