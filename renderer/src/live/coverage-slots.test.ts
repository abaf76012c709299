import { describe, expect, it } from 'vitest';
import { snapshot } from '../run/test-fixtures';
import { coverageSlots } from './coverage-slots';

const cov = (expected: number) => ({ cadenceMs: 1000, expected, present: 0, pct: 0, missing: [] });

describe('coverageSlots', () => {
  it('marks the slots that have no snapshot as missing', () => {
    const slots = coverageSlots(cov(4), [snapshot(1, 0), snapshot(2, 1), snapshot(3, 3)]);
    expect(slots.map((s) => s.state)).toEqual(['present', 'present', 'missing', 'present']);
  });

  it('handles 1-based slots and more snapshots than expected so far', () => {
    const slots = coverageSlots(cov(2), [snapshot(1, 1), snapshot(2, 3)]);
    expect(slots).toEqual([
      { slot: 1, state: 'present' },
      { slot: 2, state: 'missing' },
      { slot: 3, state: 'present' },
    ]);
  });

  it('shows every expected slot as missing when there is no snapshot', () => {
    expect(coverageSlots(cov(3), []).every((s) => s.state === 'missing')).toBe(true);
    expect(coverageSlots(null, [])).toEqual([]);
  });

  it('judges a windowed list (a long run) from its first slot on, not the earlier slots as missing', () => {
    // Snapshots 5001..5003 of a run that expects 5004 slots: the window starts at slot 5000.
    const slots = coverageSlots(cov(5004), [
      snapshot(5001, 5000),
      snapshot(5002, 5001),
      snapshot(5003, 5003),
    ]);
    expect(slots).toEqual([
      { slot: 5000, state: 'present' },
      { slot: 5001, state: 'present' },
      { slot: 5002, state: 'missing' },
      { slot: 5003, state: 'present' },
    ]);
  });
});
