import type { LiveRun } from '../run/live-run';
import { formatRoute } from '../ui/route';
import { useNow } from '../ui/useNow';
import { runProgress } from './run-progress';

/** Title, elapsed time against the plan's max duration, and the verdict once the run has ended. */
export function RunOverview({ live }: { live: LiveRun }) {
  const { run } = live;
  const ended = run.status === 'ended';
  const now = useNow(!ended);
  const progress = runProgress(run, live.maxDurationSec, now);
  return (
    <section className="panel run-overview" data-testid="run-overview" data-status={run.status}>
      <div className="run-title">
        <h2>{run.title}</h2>
        <span className="muted">
          {run.planId} · run {run.runId}
        </span>
        <span className={`badge run-${run.status}`} data-testid="run-status">
          {run.status}
        </span>
      </div>
      <div className="progress-row" data-testid="run-progress" data-ended={String(progress.ended)}>
        <span data-testid="elapsed" data-elapsed-ms={progress.elapsedMs}>
          {progress.text}
        </span>
        <progress
          className={progress.ended ? 'progress-ended' : undefined}
          max={100}
          value={progress.pct}
          aria-label={progress.ended ? 'the run has ended' : 'progress against the maximum duration'}
        />
        <span className={progress.ended ? 'good' : 'muted'} data-testid="progress-label">
          {progress.label}
        </span>
      </div>
      {ended ? (
        <div
          className={`verdict verdict-${run.verdict ?? 'NONE'}`}
          data-testid="run-verdict"
          data-verdict={run.verdict ?? ''}
        >
          <strong>Verdict: {run.verdict ?? 'none'}</strong>
          <span className="muted small" data-testid="verdict-source">
            from the plan&apos;s thresholds (below); pulse health is a live signal, not the verdict
          </span>
          {run.reportPath ? (
            <a
              href={formatRoute({ screen: 'history', reportPath: run.reportPath })}
              data-testid="open-report"
            >
              Open the report in History
            </a>
          ) : (
            <span className="muted">no report written</span>
          )}
          {live.thresholdResults && live.thresholdResults.length > 0 ? (
            <table className="dense">
              <thead>
                <tr>
                  <th>Threshold</th>
                  <th>Actual</th>
                  <th>Expected</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {live.thresholdResults.map((t) => (
                  <tr key={t.name} data-testid="threshold-row" data-ok={String(t.ok)}>
                    <td>{t.name}</td>
                    <td>{t.actual}</td>
                    <td>{t.expected}</td>
                    <td className={t.ok ? 'good' : 'bad'}>{t.ok ? 'ok' : 'FAILED'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
