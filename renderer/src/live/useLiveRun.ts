/**
 * The live run for one runId: `runs.state` for the starting point, stream events queued as they
 * arrive and folded in batches every LIVE_FLUSH_MS. After the event socket reconnects, events may
 * have been missed, so the state is fetched again and the queue folded onto it (the fold is
 * idempotent).
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { flushSync } from 'react-dom';
import type { RunStreamEvent } from '../../../preload/contract';
import { getConnection, getLab } from '../api/lab';
import { useLabQuery } from '../api/queries';
import { foldRunEvents, fromRunState, type LiveRun } from '../run/live-run';
import { frameJobKey, frameJobs } from '../ui/frame-jobs';

/** Charts and panels redraw at most this often (about four times a second), however fast events come. */
export const LIVE_FLUSH_MS = 250;

/**
 * Folds the queue and renders the result inside one of the page's frame jobs, synchronously
 * (flushSync), so the render owns that frame instead of landing, as a scheduler task, in a frame a
 * chart or a pane is already redrawing in.
 */
function flushInFrame(key: string, fold: () => LiveRun | null, set: (l: LiveRun) => void): () => void {
  return frameJobs().run(key, () => {
    const next = fold();
    if (next !== null) flushSync(() => set(next));
  });
}

export function useLiveRun(runId: string) {
  const connection = getConnection();
  const { epoch, outputDropped } = useSyncExternalStore(connection.subscribe, connection.get);
  const stateQuery = useLabQuery('runs.state', { runId }, { staleTime: Infinity, gcTime: 0 });
  const queue = useRef<RunStreamEvent[]>([]);
  const base = useRef<LiveRun | null>(null);
  const [live, setLive] = useState<LiveRun | null>(null);

  useEffect(
    () =>
      getLab().onRunEvent((e) => {
        if (e.runId === runId) queue.current.push(e);
      }),
    [runId],
  );

  useEffect(() => {
    if (stateQuery.data === undefined) return;
    base.current = foldRunEvents(fromRunState(stateQuery.data), queue.current.splice(0));
    setLive(base.current);
  }, [stateQuery.data]);

  useEffect(() => {
    const key = frameJobKey('live');
    let cancel = () => {};
    const fold = () => {
      if (base.current === null || queue.current.length === 0) return null;
      base.current = foldRunEvents(base.current, queue.current.splice(0));
      return base.current;
    };
    const timer = window.setInterval(() => {
      if (base.current !== null && queue.current.length > 0) cancel = flushInFrame(key, fold, setLive);
    }, LIVE_FLUSH_MS);
    return () => {
      window.clearInterval(timer);
      cancel();
    };
  }, []);

  // After a reconnect events may be missing; after an output-dropped notice the tails are.
  // Either way the host's state is fetched again and the queue folded onto it.
  const { refetch } = stateQuery;
  const seenEpoch = useRef(epoch);
  const seenDrop = useRef(outputDropped?.seq ?? 0);
  useEffect(() => {
    const dropped =
      outputDropped !== null &&
      outputDropped.seq !== seenDrop.current &&
      outputDropped.runIds.includes(runId);
    seenDrop.current = outputDropped?.seq ?? 0;
    if (epoch !== seenEpoch.current || dropped) {
      seenEpoch.current = epoch;
      void refetch();
    }
  }, [epoch, outputDropped, runId, refetch]);

  return {
    live,
    /** When the host's state was last fetched: output panes reseed their tails from it. */
    fetchedAt: stateQuery.dataUpdatedAt,
    tails: stateQuery.data?.output ?? null,
    error: stateQuery.error,
    loading: stateQuery.isPending,
  };
}
