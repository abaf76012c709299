/**
 * History's filter and its two-run selection, pure so they are tested without a browser. The
 * filter matches a plan id, a verdict, and free text over the title, plan id, verdict and signer.
 * At most two rows are selected for "compare these two runs"; a third pick drops the oldest pick,
 * and the comparison's A is the earlier run, so "change" reads as what happened since.
 */
import type { HistoryRow } from '../../../preload/contract';

export interface HistoryFilter {
  planId: string;
  /** A verdict, "unreadable", or "" for any. */
  verdict: string;
  text: string;
}

export const NO_FILTER: HistoryFilter = { planId: '', verdict: '', text: '' };

export function filterRows(rows: readonly HistoryRow[], f: HistoryFilter): HistoryRow[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (f.planId && r.planId !== f.planId) return false;
    const verdict = r.unreadable ? 'unreadable' : (r.verdict ?? '');
    if (f.verdict && verdict !== f.verdict) return false;
    const hay = `${r.title} ${r.planId} ${verdict} ${r.signer ?? ''}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The distinct values a filter menu offers, sorted. */
export function filterOptions(rows: readonly HistoryRow[]): { planIds: string[]; verdicts: string[] } {
  const planIds = new Set<string>();
  const verdicts = new Set<string>();
  for (const r of rows) {
    if (r.planId) planIds.add(r.planId);
    verdicts.add(r.unreadable ? 'unreadable' : (r.verdict ?? ''));
  }
  verdicts.delete('');
  return { planIds: [...planIds].sort(), verdicts: [...verdicts].sort() };
}

/** Toggles `path` in a selection of at most two, dropping the oldest pick for a third. */
export function toggleSelected(selected: readonly string[], path: string): string[] {
  if (selected.includes(path)) return selected.filter((p) => p !== path);
  return [...selected, path].slice(-2);
}

/** The two picks as { a, b } with A the earlier run; null unless exactly two readable rows. */
export function comparePair(
  rows: readonly HistoryRow[],
  selected: readonly string[],
): { a: string; b: string } | null {
  if (selected.length !== 2) return null;
  const picked = selected.map((p) => rows.find((r) => r.reportPath === p));
  if (picked.some((r) => r === undefined || r.unreadable !== null)) return null;
  const [x, y] = picked as [HistoryRow, HistoryRow];
  return x.date <= y.date ? { a: x.reportPath, b: y.reportPath } : { a: y.reportPath, b: x.reportPath };
}
