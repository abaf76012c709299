import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../../preload/contract';
import { comparePair, filterOptions, filterRows, NO_FILTER, toggleSelected } from './history-filter';

const row = (reportPath: string, date: number, planId: string, verdict: 'PASS' | 'FAIL', title = planId) =>
  ({ reportPath, date, planId, title, verdict, unreadable: null, signer: null }) as unknown as HistoryRow;

const rows = [
  row('a.md', 1, 'quick-chaos', 'PASS', 'Quick chaos'),
  row('b.md', 2, 'quick-burst', 'FAIL', 'Quick burst'),
  row('c.md', 3, 'quick-chaos', 'FAIL', 'Quick chaos'),
];

describe('history filter', () => {
  it('filters by plan id, verdict and free text', () => {
    const paths = (f: Partial<typeof NO_FILTER>) =>
      filterRows(rows, { ...NO_FILTER, ...f }).map((r) => r.reportPath);
    expect(paths({})).toEqual(['a.md', 'b.md', 'c.md']);
    expect(paths({ planId: 'quick-chaos' })).toEqual(['a.md', 'c.md']);
    expect(paths({ verdict: 'FAIL' })).toEqual(['b.md', 'c.md']);
    expect(paths({ text: 'CHAOS fail' })).toEqual(['c.md']);
    expect(filterOptions(rows)).toEqual({
      planIds: ['quick-burst', 'quick-chaos'],
      verdicts: ['FAIL', 'PASS'],
    });
  });

  it('selects at most two runs, and compares the earlier as A', () => {
    let s = toggleSelected([], 'c.md');
    s = toggleSelected(s, 'a.md');
    expect(comparePair(rows, s)).toEqual({ a: 'a.md', b: 'c.md' });
    s = toggleSelected(s, 'b.md');
    expect(s).toEqual(['a.md', 'b.md']);
    expect(comparePair(rows, toggleSelected(s, 'a.md'))).toBeNull();
  });
});
