/**
 * One report: its verification first and prominent (signatures, ledger, binding), then the signed
 * HTML report as a document with its charts. It is shown as signed, byte for byte, in an iframe
 * with `sandbox=""` and `srcdoc`: an opaque origin where no script runs, nothing submits or
 * navigates the console, and the console's own CSP (inherited) plus the report's CSP both apply.
 * Showing the signed file itself (rather than re-rendering the JSON here) means what the reader
 * sees is what verification checked, and the host CPU/RAM series exist only in the HTML. A report
 * written before the HTML existed falls back to its Markdown as plain text, never as HTML.
 */
import type { VerifyResult } from '../../../preload/contract';
import { useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { plural } from '../ui/format';
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
          {report.data.html !== null ? (
            <iframe
              className="report-frame"
              data-testid="report-html"
              title="HTML report"
              sandbox=""
              referrerPolicy="no-referrer"
              srcDoc={report.data.html}
            />
          ) : (
            <>
              <p className="small">
                This report was written before HTML reports existed: its Markdown source.
              </p>
              <pre className="report-markdown" data-testid="report-markdown">
                {report.data.markdown}
              </pre>
            </>
          )}
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
          {plural(v.ledger.records, 'record')}
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
