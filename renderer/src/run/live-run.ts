/**
 * The live screen's state: the host's RunState (from `runs.state`) with stream events folded in.
 * A pure fold, applied in batches: the screen queues events and folds them at most every
 * LIVE_FLUSH_MS, so arrays are copied once per batch rather than once per event, and a
 * 24-hour run (86,400 samples, 10,000 pulses) never makes a render pay for its whole history.
 *
 * Folding is idempotent: a late joiner folds events that the fresh RunState may already contain,
 * so pulses and snapshots are keyed by seq, samples by time, TES by subject and targets by id.
 */
import { RUN_STATE_WINDOW, type RunState, type RunStreamEvent } from '../../../preload/contract';

export type ThresholdResult = Extract<RunStreamEvent, { type: 'end' }>['thresholds'][number];

export interface LiveRun extends RunState {
  /** From the end event; null while running (or when the run ended before this page joined). */
  thresholdResults: ThresholdResult[] | null;
  /** Each guard rail's progress toward tripping, from the latest sample event that carried it. */
  guard?: Extract<RunStreamEvent, { type: 'sample' }>['guard'];
}

/**
 * Resource samples kept: the charts draw a moving window of this many points and no more. The same
 * window as the host's `runs.state`, so a page that joins late sees what one that stayed sees.
 */
export const MAX_SAMPLES = RUN_STATE_WINDOW;
/** Events and anomalies kept for the timeline; older ones are in the ledger and the report. */
export const MAX_EVENTS = RUN_STATE_WINDOW;
export const MAX_ANOMALIES = RUN_STATE_WINDOW;
/** Snapshots kept (coverage figures come whole with each snapshot event; the slots drawn are recent). */
export const MAX_SNAPSHOTS = RUN_STATE_WINDOW;

export function fromRunState(state: RunState): LiveRun {
  return {
    ...state,
    pulses: sortedUniqueBy(state.pulses, (p) => p.seq),
    snapshots: keepLast(
      sortedUniqueBy(state.snapshots, (s) => s.seq),
      MAX_SNAPSHOTS,
    ),
    samples: keepLast(state.samples, MAX_SAMPLES),
    events: keepLast(state.events, MAX_EVENTS),
    anomalies: keepLast(state.anomalies, MAX_ANOMALIES),
    thresholdResults: null,
  };
}

export function foldRunEvent(state: LiveRun, event: RunStreamEvent): LiveRun {
  return foldRunEvents(state, [event]);
}

export function foldRunEvents(state: LiveRun, events: readonly RunStreamEvent[]): LiveRun {
  const mine = events.filter((e) => e.runId === state.run.runId);
  if (mine.length === 0) return state;
  const next: LiveRun = { ...state };
  // Copy each array at most once per batch, on first write.
  const copied = new Set<string>();
  const own = <K extends 'pulses' | 'samples' | 'snapshots' | 'events' | 'anomalies' | 'tes' | 'targets'>(
    key: K,
  ): LiveRun[K] => {
    if (!copied.has(key)) {
      copied.add(key);
      (next[key] as unknown[]) = [...(next[key] as unknown[])];
    }
    return next[key];
  };

  for (const e of mine) {
    switch (e.type) {
      case 'pulse':
        upsertBySeq(own('pulses'), e.pulse);
        if (
          e.pulse.integrity !== null &&
          (next.integrity === null || e.pulse.integrity.at >= next.integrity.at)
        ) {
          next.integrity = e.pulse.integrity;
        }
        break;
      case 'sample': {
        const samples = own('samples');
        const last = samples[samples.length - 1];
        if (last === undefined || e.sample.at > last.at) samples.push(e.sample);
        if (e.guard) next.guard = e.guard;
        break;
      }
      case 'snapshot':
        upsertBySeq(own('snapshots'), e.snapshot);
        next.coverage = e.coverage;
        break;
      case 'tes': {
        const tes = own('tes');
        for (const score of e.tes) {
          const i = tes.findIndex((t) => t.subject === score.subject);
          if (i >= 0) tes[i] = score;
          else tes.push(score);
        }
        break;
      }
      case 'integrity':
        if (next.integrity === null || e.integrity.at >= next.integrity.at) next.integrity = e.integrity;
        break;
      case 'event': {
        const list = own('events');
        if (
          !list.some((x) => x.at === e.event.at && x.kind === e.event.kind && x.message === e.event.message)
        )
          list.push(e.event);
        break;
      }
      case 'anomaly': {
        const list = own('anomalies');
        if (
          !list.some(
            (x) => x.at === e.anomaly.at && x.code === e.anomaly.code && x.message === e.anomaly.message,
          )
        )
          list.push(e.anomaly);
        break;
      }
      case 'targets': {
        const targets = own('targets');
        for (const t of e.targets) {
          const i = targets.findIndex((x) => x.targetId === t.targetId);
          if (i >= 0) targets[i] = t;
          else targets.push(t);
        }
        break;
      }
      case 'end':
        next.run = e.run;
        next.thresholdResults = e.thresholds;
        break;
    }
  }
  if (copied.has('samples')) next.samples = keepLast(next.samples, MAX_SAMPLES);
  if (copied.has('snapshots')) next.snapshots = keepLast(next.snapshots, MAX_SNAPSHOTS);
  if (copied.has('events')) next.events = keepLast(next.events, MAX_EVENTS);
  if (copied.has('anomalies')) next.anomalies = keepLast(next.anomalies, MAX_ANOMALIES);
  return next;
}

/** Keeps `list` sorted by seq with one entry per seq; the common case (next seq) is a push. */
function upsertBySeq<T extends { seq: number }>(list: T[], item: T): void {
  const last = list[list.length - 1];
  if (last === undefined || item.seq > last.seq) {
    list.push(item);
    return;
  }
  const i = list.findIndex((x) => x.seq >= item.seq);
  if (i >= 0 && list[i]?.seq === item.seq) list[i] = item;
  else list.splice(i < 0 ? list.length : i, 0, item);
}

function sortedUniqueBy<T>(list: readonly T[], key: (x: T) => number): T[] {
  const byKey = new Map<number, T>();
  for (const x of list) byKey.set(key(x), x);
  return [...byKey.values()].sort((a, b) => key(a) - key(b));
}

function keepLast<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

export function isActive(run: { status: string }): boolean {
  return run.status !== 'ended';
}
