import { useState } from 'react';
import type { HistoryRow } from '../../../preload/contract';
import { useLabMutation, useLabQuery } from '../api/queries';
import { downloadText } from '../ui/download';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatDateTime, formatPct, plural } from '../ui/format';
import { Working } from '../ui/Working';
import { CompareView } from './CompareView';
import {
  comparePair,
  filterOptions,
  filterRows,
  NO_FILTER,
  toggleSelected,
  type HistoryFilter,
} from './history-filter';
import { ReportView } from './ReportView';

export function HistoryScreen({
  reportPath,
  onOpen,
}: {
  reportPath: string | null;
  onOpen: (path: string) => void;
}) {
  const reports = useLabQuery('reports.list', {});
  const exportMutation = useLabMutation('reports.export', {
    onSuccess: (f) => downloadText(f.filename, f.mime, f.body),
  });
  const all = [...(reports.data ?? [])].sort((a, b) => b.date - a.date);
  const [filter, setFilter] = useState<HistoryFilter>(NO_FILTER);
  const [selected, setSelected] = useState<string[]>([]);
  const [comparing, setComparing] = useState<{ a: string; b: string } | null>(null);
  const rows = filterRows(all, filter);
  const options = filterOptions(all);
  const pair = comparePair(all, selected);
  return (
    <div className="screen history">
      <div className="screen-head">
        <h2>History</h2>
        <div className="button-row">
          <button
            type="button"
            data-testid="export-csv"
            disabled={exportMutation.isPending}
            onClick={() => exportMutation.mutate({ format: 'csv' })}
          >
            Export CSV
          </button>
          <button
            type="button"
            data-testid="export-json"
            disabled={exportMutation.isPending}
            onClick={() => exportMutation.mutate({ format: 'json' })}
          >
            Export JSON
          </button>
          <button type="button" onClick={() => void reports.refetch()} disabled={reports.isFetching}>
            Refresh
          </button>
          <Working active={reports.isFetching || exportMutation.isPending} />
        </div>
      </div>
      <ErrorBanner error={reports.error} title="reports.list" />
      <ErrorBanner error={exportMutation.error} title="reports.export" />
      <div className="filter-row" data-testid="history-filter">
        <input
          type="search"
          placeholder="Filter: title, plan, verdict, signer"
          aria-label="filter the history"
          data-testid="history-filter-text"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.currentTarget.value })}
        />
        <select
          aria-label="plan"
          data-testid="history-filter-plan"
          value={filter.planId}
          onChange={(e) => setFilter({ ...filter, planId: e.currentTarget.value })}
        >
          <option value="">any plan</option>
          {options.planIds.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <select
          aria-label="verdict"
          data-testid="history-filter-verdict"
          value={filter.verdict}
          onChange={(e) => setFilter({ ...filter, verdict: e.currentTarget.value })}
        >
          <option value="">any verdict</option>
          {options.verdicts.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="history-count">
          {rows.length} of {plural(all.length, 'run')}
        </span>
        <span className="header-spacer" />
        <span className="muted small">{selected.length}/2 selected</span>
        <button
          type="button"
          className="primary"
          data-testid="compare-runs"
          disabled={pair === null}
          title={pair === null ? 'tick two readable runs to compare them' : undefined}
          onClick={() => setComparing(pair)}
        >
          Compare these two runs
        </button>
      </div>
      {comparing !== null ? (
        <CompareView
          key={`${comparing.a}|${comparing.b}`}
          a={comparing.a}
          b={comparing.b}
          onClose={() => setComparing(null)}
        />
      ) : null}
      <table className="dense history-table" data-testid="history-table">
        <thead>
          <tr>
            <th aria-label="select to compare" />
            <th>Date</th>
            <th>Plan</th>
            <th>Verdict</th>
            <th>TES</th>
            <th>Coverage</th>
            <th>Trust</th>
            <th>Review</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <HistoryTableRow
              key={r.reportPath}
              row={r}
              selected={r.reportPath === reportPath}
              picked={selected.includes(r.reportPath)}
              onPick={() => setSelected(toggleSelected(selected, r.reportPath))}
              onOpen={onOpen}
            />
          ))}
        </tbody>
      </table>
      {reports.data && all.length === 0 ? <p className="muted">No report yet.</p> : null}
      {all.length > 0 && rows.length === 0 ? <p className="muted">No run matches the filter.</p> : null}
      {reportPath !== null ? <ReportView key={reportPath} reportPath={reportPath} /> : null}
    </div>
  );
}

/** "good signature, signer not trusted" must never read like "verified". */
const TRUST_LABEL: Record<HistoryRow['trust'], string> = {
  trusted: 'trusted',
  'untrusted-signer': 'UNTRUSTED signer',
  invalid: 'invalid',
};

function HistoryTableRow({
  row,
  selected,
  picked,
  onPick,
  onOpen,
}: {
  row: HistoryRow;
  selected: boolean;
  picked: boolean;
  onPick: () => void;
  onOpen: (path: string) => void;
}) {
  return (
    <tr
      className={`clickable${selected ? ' selected' : ''}`}
      data-testid="history-row"
      data-report-path={row.reportPath}
      data-verdict={row.verdict ?? 'unreadable'}
      tabIndex={0}
      onClick={() => onOpen(row.reportPath)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen(row.reportPath);
        }
      }}
    >
      <td onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
        <input
          type="checkbox"
          aria-label="select to compare"
          data-testid="history-pick"
          checked={picked}
          onChange={onPick}
        />
      </td>
      <td>{formatDateTime(row.date)}</td>
      <td>
        {row.title} <span className="muted small">{row.planId}</span>
      </td>
      <td>
        {row.unreadable ? (
          <span className="badge verdict-FAIL" title={row.unreadable.message}>
            unreadable ({row.unreadable.code})
          </span>
        ) : (
          <span className={`badge verdict-${row.verdict}`}>{row.verdict}</span>
        )}
      </td>
      <td className="num">{row.tes === null ? '—' : row.tes.toFixed(1)}</td>
      <td className="num">{formatPct(row.coveragePct)}</td>
      <td
        className={row.trust === 'trusted' ? 'good' : 'bad'}
        data-testid="history-trust"
        data-trust={row.trust}
        title={row.signer ? `signed by ${row.signer}` : 'no signature verified'}
      >
        {TRUST_LABEL[row.trust]}
        {row.signature === 'missing' ? ' (signature missing)' : ''}
        {row.signer ? <span className="muted small"> {row.signer}</span> : null}
      </td>
      <td data-testid="history-review" data-awaiting={row.awaitingReview}>
        {row.anomalies === 0 ? (
          <span className="muted">no anomaly</span>
        ) : row.awaitingReview > 0 ? (
          <span
            className="badge bad"
            title={`${plural(row.anomalies, 'anomaly', 'anomalies')}, ${row.awaitingReview} not reviewed`}
          >
            {row.awaitingReview} awaiting review
          </span>
        ) : (
          <span className="good">
            {row.anomalies === 1 ? 'the anomaly reviewed' : `all ${row.anomalies} reviewed`}
          </span>
        )}
      </td>
    </tr>
  );
}
