import type { HistoryRow } from '../../../preload/contract';
import { useLabMutation, useLabQuery } from '../api/queries';
import { downloadText } from '../ui/download';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatDateTime, formatPct, plural } from '../ui/format';
import { Working } from '../ui/Working';
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
  const rows = [...(reports.data ?? [])].sort((a, b) => b.date - a.date);
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
      <table className="dense history-table" data-testid="history-table">
        <thead>
          <tr>
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
              onOpen={onOpen}
            />
          ))}
        </tbody>
      </table>
      {reports.data && rows.length === 0 ? <p className="muted">No report yet.</p> : null}
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
  onOpen,
}: {
  row: HistoryRow;
  selected: boolean;
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
