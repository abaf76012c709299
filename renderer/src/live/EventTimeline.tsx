import { memo, useState } from 'react';
import type { Anomaly, RunEventRecord } from '../../../preload/contract';
import { formatDateTime, formatElapsed, plural } from '../ui/format';
import { timelineRows, type TimelineOrder } from './event-rows';

/** Rows drawn; the full list is in the ledger and the report. */
const TIMELINE_ROWS = 300;

/**
 * Events and anomalies on one timeline, stamped with the time since the run started (as the CLI
 * prints them), oldest first unless the reader flips it. The wall-clock time is in the tooltip.
 */
export const EventTimeline = memo(function EventTimeline({
  events,
  anomalies,
  startedAt,
}: {
  events: RunEventRecord[];
  anomalies: Anomaly[];
  startedAt: number;
}) {
  const [order, setOrder] = useState<TimelineOrder>('oldest-first');
  const rows = timelineRows(events, anomalies, order, TIMELINE_ROWS);
  const stamp = (at: number) => (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)} data-testid="timeline-time">
      {formatElapsed(at, startedAt)}
    </time>
  );
  return (
    <section
      className="panel offscreen-skip"
      data-testid="event-timeline"
      data-anomalies={anomalies.length}
      data-order={order}
    >
      <h3>
        Events and anomalies{' '}
        <span className="muted small">
          {plural(events.length, 'event')} · {plural(anomalies.length, 'anomaly', 'anomalies')} · time since
          the run started
        </span>{' '}
        <button
          type="button"
          className="small-button"
          data-testid="timeline-order"
          onClick={() => setOrder(order === 'oldest-first' ? 'newest-first' : 'oldest-first')}
        >
          {order === 'oldest-first' ? 'Oldest first' : 'Newest first'}
        </button>
      </h3>
      <ol className="timeline">
        {rows.map((r, i) =>
          r.kind === 'event' ? (
            <li key={i} className="tl-event" data-testid="timeline-event" data-kind={r.event.kind}>
              {stamp(r.at)} <span className="tl-kind">{r.event.kind}</span>
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
              {stamp(r.at)} <span className="tl-kind">{r.anomaly.severity.toUpperCase()}</span>{' '}
              <code>{r.anomaly.code}</code> {r.anomaly.message}
            </li>
          ),
        )}
      </ol>
    </section>
  );
});
