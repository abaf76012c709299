/**
 * Snapshot coverage: slots expected vs present over a window, and every gap between consecutive
 * snapshots (or the window's edges) larger than 1.5x the cadence, listed as a missing entry.
 */
import type { Coverage, CoverageGap } from '../model/evidence';

/** Seed 000: a gap larger than this many cadences is a missing snapshot. */
export const GAP_FACTOR = 1.5;

export function computeCoverage(
  times: number[],
  windowStart: number,
  windowEnd: number,
  cadenceMs: number,
): Coverage {
  const sorted = [...times].filter((t) => t >= windowStart && t <= windowEnd).sort((a, b) => a - b);
  const span = Math.max(0, windowEnd - windowStart);
  // Slots at t0, t0 + cadence, ... strictly before the stop: a slot that falls at or after the stop
  // had no chance to be taken (max duration and slot boundaries coincide by accident, not design).
  // The slot at t0 is always expected.
  const expected = Math.max(1, Math.ceil(span / cadenceMs));
  // A slot is present when some snapshot landed within half a cadence of it.
  let present = 0;
  let j = 0;
  for (let k = 0; k < expected; k++) {
    const slot = windowStart + k * cadenceMs;
    while (j < sorted.length && (sorted[j] as number) < slot - cadenceMs / 2) j++;
    if (j < sorted.length && Math.abs((sorted[j] as number) - slot) <= cadenceMs / 2) {
      present++;
      j++;
    }
  }
  const missing: CoverageGap[] = [];
  const edges = [windowStart, ...sorted, windowEnd];
  for (let i = 1; i < edges.length; i++) {
    const from = edges[i - 1] as number;
    const to = edges[i] as number;
    const gapMs = to - from;
    if (gapMs > GAP_FACTOR * cadenceMs) {
      missing.push({ from, to, gapMs, missingSlots: Math.max(1, Math.round(gapMs / cadenceMs) - 1) });
    }
  }
  return {
    cadenceMs,
    expected,
    present,
    pct: expected ? Math.round((1000 * present) / expected) / 10 : 100,
    missing,
  };
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
