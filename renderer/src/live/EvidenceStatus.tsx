import type { LiveRun } from '../run/live-run';
import { useNow } from '../ui/useNow';
import { lastFileIo, probeClock, railViews, type RailView } from './evidence-status';
import './guard-rails.css';

/** The probe clock, each guard rail's reading against its limit, and the last file-I/O figure. */
export function EvidenceStatus({ live }: { live: LiveRun }) {
  const now = useNow(live.run.status !== 'ended');
  const clock = probeClock(live, now);
  const rails = railViews(live);
  const io = lastFileIo(live);
  return (
    <section className="panel evidence-status" data-testid="evidence-status">
      <div data-testid="probe-clock" data-started-at={clock.startedAt ?? ''}>
        <span className="muted">Probe clock</span> {clock.text}
      </div>
      {rails.length > 0 ? (
        <div className="rails" data-testid="guard-rails">
          <div className="rails-head muted small">
            Guard rails: host use at the last sample, 0–100 %, limit marked; the probe halts if one stays over
          </div>
          {rails.map((r) => (
            <Rail key={r.metric} r={r} />
          ))}
        </div>
      ) : null}
      <div data-testid="file-io">
        <span className="muted">File I/O</span> {io ?? 'not measured yet'}
      </div>
    </section>
  );
}

function Rail({ r }: { r: RailView }) {
  const label = `${r.name}, % used, limit ${r.limitPct} %`;
  return (
    <div
      className={`rail-row${r.over ? ' rail-over' : ''}`}
      data-testid="guard-rail"
      data-metric={r.metric}
      data-value-pct={r.valuePct ?? ''}
    >
      <span className="rail-name">{r.name}</span>
      <span className="rail-value" data-testid="guard-rail-value">
        {r.valueText}
      </span>
      <div
        className="rail-bar"
        role="meter"
        aria-label={label}
        title={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={r.valuePct ?? undefined}
        aria-valuetext={r.valueText}
        data-testid="guard-rail-bar"
      >
        {r.valuePct !== null ? <div className="rail-fill" style={{ width: `${r.valuePct}%` }} /> : null}
        <div className="rail-limit" style={{ left: `${r.limitPct}%` }} />
      </div>
      <span className="rail-limit-text small">limit {r.limitPct} %</span>
      <span className={`rail-breach small ${r.over ? 'bad' : 'muted'}`} data-testid="guard-rail-breach">
        {r.breachText}
      </span>
    </div>
  );
}
