import { describe, expect, it } from 'vitest';
import { computeCoverage } from './coverage';

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
