/**
 * One report: its verification first and prominent (signatures, ledger), then the markdown as
 * plain text. The markdown is never rendered as HTML: a report carries agent output, which is
 * untrusted.
 */
import type { VerifyResult } from '../../../preload/contract';
import { useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { AnomalyReviews } from './AnomalyReviews';

export function ReportView({ reportPath }: { reportPath: string }) {
  const report = useLabQuery('reports.open', { reportPath }, { staleTime: Infinity });
  return (
    <section className="panel report" data-testid="report-view" data-report-path={reportPath}>
      <h3>
        Report <code className="small">{reportPath}</code>
      </h3>
      <ErrorBanner error={report.error} title="reports.open" />
      <Working active={report.isPending} label="opening and verifying…" />
      {report.data ? (
        <>
          <Verification v={report.data.verification} />
          <AnomalyReviews
            reportPath={reportPath}
            json={report.data.json}
            verification={report.data.verification}
          />
          <pre className="report-markdown" data-testid="report-markdown">
            {report.data.markdown}
          </pre>
        </>
      ) : null}
    </section>
  );
}

function Verification({ v }: { v: VerifyResult }) {
  return (
    <div
      className={`verification ${v.ok ? 'ok' : 'not-ok'}`}
      data-testid="report-verification"
      data-ok={String(v.ok)}
      data-trust={v.trust}
    >
      <strong className="verification-head">
        {v.trust === 'trusted'
          ? 'Verified: signed by a key you trust; signatures, ledger and binding intact'
          : v.trust === 'untrusted-signer'
            ? 'UNTRUSTED SIGNER: the signatures are good, but not by a key you trust'
            : 'NOT VERIFIED: do not trust this report'}
      </strong>
      <div className="small" data-testid="verification-signer">
        signer: {v.signer ?? 'none verified'}
      </div>
      <ul className="plain">
        {v.signatures.map((s) => (
          <li key={s.file} data-testid="verification-signature" data-ok={String(s.ok)}>
            <span className={s.ok ? 'good' : 'bad'}>{s.ok ? '✓' : '✗'}</span> signature <code>{s.file}</code>{' '}
            — {s.detail}
          </li>
        ))}
        {v.signatures.length === 0 ? <li className="bad">no signature found</li> : null}
        <li data-testid="verification-ledger" data-ok={String(v.ledger.ok)}>
          <span className={v.ledger.ok ? 'good' : 'bad'}>{v.ledger.ok ? '✓' : '✗'}</span> ledger:{' '}
          {v.ledger.records} records
          {v.ledger.firstBad !== null ? `, first bad record ${v.ledger.firstBad}` : ''} — {v.ledger.detail}
        </li>
        <li data-testid="verification-binding" data-ok={String(v.binding.ok)}>
          <span className={v.binding.ok ? 'good' : 'bad'}>{v.binding.ok ? '✓' : '✗'}</span> binding:{' '}
          {v.binding.detail}
        </li>
        {v.reviews ? (
          <li data-testid="verification-reviews" data-ok={String(v.reviews.ok)}>
            <span className={v.reviews.ok ? 'good' : 'bad'}>{v.reviews.ok ? '✓' : '✗'}</span> reviews:{' '}
            {v.reviews.detail}
          </li>
        ) : null}
      </ul>
    </div>
  );
}
