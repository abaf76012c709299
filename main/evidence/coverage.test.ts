import { describe, expect, it } from 'vitest';
import { computeCoverage } from './coverage';

describe('snapshot coverage', () => {
  it('is complete when every slot has a snapshot within half a cadence', () => {
    const c = computeCoverage([0, 1010, 1990, 3005], 0, 3005, 1000);
    expect(c).toMatchObject({ expected: 4, present: 4, pct: 100, missing: [] });
  });

  it('lists every gap over 1.5x the cadence as missing entries', () => {
    const c = computeCoverage([0, 1000, 4000, 5000], 0, 5000, 1000);
    expect(c.present).toBe(4);
    expect(c.expected).toBe(6);
    expect(c.missing).toEqual([{ from: 1000, to: 4000, gapMs: 3000, missingSlots: 2 }]);
  });

  it('counts a silent tail as a gap', () => {
    const c = computeCoverage([0, 1000], 0, 6000, 1000);
    expect(c.missing.at(-1)).toMatchObject({ from: 1000, to: 6000 });
    expect(c.pct).toBeLessThan(100);
  });
});
