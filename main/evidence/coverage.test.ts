import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Coverage, CoverageGap } from '../model/evidence';
import { CoverageTracker, computeCoverage } from './coverage';

/** The definition, as one plain pass over every time (what the tracker computed before it existed). */
function plainPass(times: number[], windowStart: number, windowEnd: number, cadenceMs: number): Coverage {
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
    if (gapMs > 1.5 * cadenceMs) {
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

describe('snapshot coverage', () => {
  it('is complete when every slot has a snapshot within half a cadence', () => {
    const c = computeCoverage([0, 1010, 1990, 3005], 0, 3005, 1000);
    expect(c).toMatchObject({ expected: 4, present: 4, pct: 100, missing: [] });
  });

  it('does not expect a slot that falls at or after the stop', () => {
    // A 60 s run with snapshots every 5 s: the slot at 60 s is the stop itself (issue 17 found
    // `12/13 slots` FAILs when max duration landed on a slot boundary).
    const times = Array.from({ length: 12 }, (_, k) => k * 5000 + 3);
    const c = computeCoverage(times, 0, 60_000, 5000);
    expect(c).toMatchObject({ expected: 12, present: 12, pct: 100, missing: [] });
    // One millisecond past the boundary, the slot at 60 s is still not expected: it was never due
    // before the stop.
    expect(computeCoverage(times, 0, 60_000, 5000).expected).toBe(12);
    expect(computeCoverage([...times, 60_004], 0, 60_005, 5000).expected).toBe(13);
  });

  it('lists every gap over 1.5x the cadence as missing entries', () => {
    const c = computeCoverage([0, 1000, 4000, 5000], 0, 5000, 1000);
    // Slots 0-4 s (the one at 5 s is the stop); 2 s and 3 s are missing.
    expect(c.present).toBe(3);
    expect(c.expected).toBe(5);
    expect(c.missing).toEqual([{ from: 1000, to: 4000, gapMs: 3000, missingSlots: 2 }]);
  });

  it('counts a silent tail as a gap', () => {
    const c = computeCoverage([0, 1000], 0, 6000, 1000);
    expect(c.missing.at(-1)).toMatchObject({ from: 1000, to: 6000 });
    expect(c.pct).toBeLessThan(100);
  });
});

describe('CoverageTracker', () => {
  it('gives the figures of a plain pass over the same snapshots, at every step, as computeCoverage does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 12_000 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 20_000 }),
        (cadenceMs, steps, tailMs) => {
          const start = 1_000_000;
          const tracker = new CoverageTracker(start, cadenceMs);
          const times: number[] = [];
          let t = start;
          for (const step of steps) {
            t += step;
            times.push(t);
            tracker.add(t);
            expect(tracker.at(t)).toEqual(plainPass(times, start, t, cadenceMs));
            expect(computeCoverage(times, start, t, cadenceMs)).toEqual(
              plainPass(times, start, t, cadenceMs),
            );
          }
          expect(tracker.at(t + tailMs)).toEqual(plainPass(times, start, t + tailMs, cadenceMs));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts a snapshot stamped before the last one (clock stepped back) at the last one', () => {
    const tracker = new CoverageTracker(0, 1000);
    tracker.add(0);
    tracker.add(2000);
    tracker.add(1500);
    expect(tracker.at(2000)).toEqual(computeCoverage([0, 2000, 2000], 0, 2000, 1000));
  });
});
