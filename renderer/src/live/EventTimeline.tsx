import { memo } from 'react';
import type { Anomaly, RunEventRecord } from '../../../preload/contract';
import { formatDateTime } from '../ui/format';

/** Rows drawn; the full list is in the ledger and the report. */
const TIMELINE_ROWS = 300;

type Row =
  { at: number; kind: 'event'; event: RunEventRecord } | { at: number; kind: 'anomaly'; anomaly: Anomaly };

/** Events and anomalies on one timeline, newest first. */
export const EventTimeline = memo(function EventTimeline({
  events,
  anomalies,
}: {
  events: RunEventRecord[];
  anomalies: Anomaly[];
}) {
  const rows: Row[] = [
    ...events.map((event): Row => ({ at: event.at, kind: 'event', event })),
    ...anomalies.map((anomaly): Row => ({ at: anomaly.at, kind: 'anomaly', anomaly })),
  ]
    .sort((a, b) => b.at - a.at)
    .slice(0, TIMELINE_ROWS);
  return (
    <section className="panel" data-testid="event-timeline" data-anomalies={anomalies.length}>
      <h3>
        Events and anomalies{' '}
        <span className="muted small">
          {events.length} events · {anomalies.length} anomalies
        </span>
      </h3>
      <ol className="timeline">
        {rows.map((r, i) =>
          r.kind === 'event' ? (
            <li key={i} className="tl-event" data-testid="timeline-event" data-kind={r.event.kind}>
              <time>{formatDateTime(r.at)}</time> <span className="tl-kind">{r.event.kind}</span>
              {r.event.targetId ? <span className="muted"> [{r.event.targetId}]</span> : null}{' '}
              {r.event.message}
            </li>
          ) : (
            <li
              key={i}
              className={`tl-anomaly sev-${r.anomaly.severity}`}
              data-testid="timeline-anomaly"
              data-code={r.anomaly.code}
              data-severity={r.anomaly.severity}
            >
              <time>{formatDateTime(r.at)}</time>{' '}
              <span className="tl-kind">{r.anomaly.severity.toUpperCase()}</span>{' '}
              <code>{r.anomaly.code}</code> {r.anomaly.message}
            </li>
          ),
        )}
      </ol>
    </section>
  );
});
