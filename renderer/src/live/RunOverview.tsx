import type { LiveRun } from '../run/live-run';
import { formatDuration, progressPct } from '../ui/format';
import { formatRoute } from '../ui/route';
import { useNow } from '../ui/useNow';

/** Title, elapsed time against the plan's max duration, and the verdict once the run has ended. */
export function RunOverview({ live }: { live: LiveRun }) {
  const { run } = live;
  const ended = run.status === 'ended';
  const now = useNow(!ended);
  const elapsedMs = (run.endedAt ?? now) - run.startedAt;
  const pct = progressPct(elapsedMs, live.maxDurationSec);
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
      <div className="progress-row">
        <span data-testid="elapsed" data-elapsed-ms={Math.max(0, elapsedMs)}>
          {formatDuration(elapsedMs)} / {formatDuration(live.maxDurationSec * 1000)}
        </span>
        <progress max={100} value={pct} aria-label="progress against the maximum duration" />
        <span className="muted">{pct.toFixed(0)}%</span>
      </div>
      {ended ? (
        <div
          className={`verdict verdict-${run.verdict ?? 'NONE'}`}
          data-testid="run-verdict"
          data-verdict={run.verdict ?? ''}
        >
          <strong>Verdict: {run.verdict ?? 'none'}</strong>
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
