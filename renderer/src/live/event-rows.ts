/**
 * The event timeline's rows: events and anomalies merged, stamped with the time since the run
 * started (as the CLI prints it), oldest first by default so the list reads like the CLI's log.
 */
import type { Anomaly, RunEventRecord } from '../../../preload/contract';

export type TimelineOrder = 'oldest-first' | 'newest-first';

export type TimelineRow =
  { at: number; kind: 'event'; event: RunEventRecord } | { at: number; kind: 'anomaly'; anomaly: Anomaly };

/** Keeps the `max` most recent rows whatever the order, so the newest never scroll out of reach. */
export function timelineRows(
  events: readonly RunEventRecord[],
  anomalies: readonly Anomaly[],
  order: TimelineOrder,
  max: number,
): TimelineRow[] {
  const rows: TimelineRow[] = [
    ...events.map((event): TimelineRow => ({ at: event.at, kind: 'event', event })),
    ...anomalies.map((anomaly): TimelineRow => ({ at: anomaly.at, kind: 'anomaly', anomaly })),
  ].sort((a, b) => a.at - b.at);
  const recent = rows.length > max ? rows.slice(rows.length - max) : rows;
  return order === 'oldest-first' ? recent : recent.reverse();
}
