/**
 * "Compare these two runs": `probe-lab compare`'s engine over the two runs' results documents
 * (`reports.compare`), drawn as its per-metric table with the Mann-Whitney U p-value and the
 * rank-biserial effect size where both runs sampled the metric. A is the earlier run.
 */
import type { ComparisonFieldChange, MetricComparison, ResultsComparison } from '../../../preload/contract';
import { useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';

/** Four significant digits, and thousands grouped alike in every column (an interpolated p95 of
 * 29380.4 once read "29380" beside a p50 of "29,260"). */
function num(n: number | null): string {
  if (n === null) return '—';
  const r = Number.isInteger(n) ? n : Number(n.toPrecision(4));
  return Math.abs(r) >= 1000 ? r.toLocaleString('en-US') : String(r);
}

function pct(n: number | null): string {
  if (n === null) return '—';
  const text = n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${n > 0 ? '+' : ''}${text}%`;
}

function pValue(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(3);
}

function TestCells({ m }: { m: MetricComparison }) {
  if (m.test === null)
    return (
      <td colSpan={3} className="muted small">
        {m.testNote ?? 'no samples: no test'}
      </td>
    );
  const t = m.test;
  return (
    <>
      <td className="num" data-testid="compare-p" title={`U = ${num(t.u)}, z = ${t.z.toFixed(2)}`}>
        {pValue(t.p)}
      </td>
      <td className="num" data-testid="compare-effect">
        {t.effectSize.toFixed(3)}
      </td>
      <td className={t.verdict === 'significant' ? 'bad' : 'muted'}>
        {t.verdict}{' '}
        <span className="muted small">
          (n {t.n1} vs {t.n2})
        </span>
      </td>
    </>
  );
}

/**
 * One row per metric, the fields a reader compares first; the rest (min, p99.9, mean) are in the
 * row's tooltip. One row per field made a 40-metric comparison 300 rows long.
 */
const COLUMNS = ['count', 'p50', 'p95', 'p99', 'max'] as const;

function Cell({ f, unit }: { f: ComparisonFieldChange | undefined; unit: string | null }) {
  if (f === undefined) return <td className="muted">—</td>;
  return (
    <td className="num" title={unit ?? undefined}>
      {num(f.a)} → {num(f.b)}
      <div className={`small ${f.pct !== null && f.pct !== 0 ? '' : 'muted'}`}>{pct(f.pct)}</div>
    </td>
  );
}

function MetricRow({ m }: { m: MetricComparison }) {
  const byField = new Map(m.fields.map((f) => [m.source === 'counter' ? 'count' : f.field, f]));
  const rest = m.fields
    .filter((f) => !(COLUMNS as readonly string[]).includes(f.field) && m.source !== 'counter')
    .map((f) => `${f.field}: ${num(f.a)} → ${num(f.b)} (${pct(f.pct)})`)
    .join('\n');
  return (
    <tr data-testid="compare-metric" data-metric={m.name} title={rest || undefined}>
      <td>
        {m.name}
        {m.unit ? <span className="muted small"> ({m.unit})</span> : null}
        {m.onlyIn ? <span className="muted small"> only in {m.onlyIn.toUpperCase()}</span> : null}
      </td>
      {COLUMNS.map((c) => (
        <Cell key={c} f={byField.get(c)} unit={m.unit} />
      ))}
      <TestCells m={m} />
    </tr>
  );
}

export function CompareView({ a, b, onClose }: { a: string; b: string; onClose: () => void }) {
  const q = useLabQuery('reports.compare', { a, b }, { staleTime: Infinity });
  const c: ResultsComparison | undefined = q.data;
  return (
    <section className="panel compare-view" data-testid="compare-view">
      <div className="screen-head">
        <h3>Comparison of two runs</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <Working active={q.isPending} label="comparing…" />
      <ErrorBanner error={q.error} title="reports.compare" />
      {c ? (
        <>
          <p className="small">
            <strong>A</strong> {c.a.runId} ({c.a.planId}, {c.a.kind}, {c.a.verdict}) · <strong>B</strong>{' '}
            {c.b.runId} ({c.b.planId}, {c.b.kind}, {c.b.verdict}) · change is B against A
          </p>
          {c.samePlan ? null : (
            <p className="notice small" data-testid="compare-different-plans">
              The runs are of different plans ({c.a.planId} vs {c.b.planId}): compare with care.
            </p>
          )}
          <table className="dense compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th>Metric</th>
                {COLUMNS.map((c) => (
                  <th key={c}>{c} A → B</th>
                ))}
                <th title="Mann-Whitney U, two-sided">p (Mann-Whitney U)</th>
                <th title="rank-biserial r of B against A: positive when B tends higher">Effect size r</th>
                <th>At alpha 0.05</th>
              </tr>
            </thead>
            <tbody>
              {c.metrics.map((m) => (
                <MetricRow key={`${m.source}:${m.name}`} m={m} />
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
