import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { getConnection, getLab } from '../api/lab';
import { useLabQuery } from '../api/queries';

/**
 * The run list, kept fresh by the event stream rather than by polling: it is fetched again when
 * an event names a run it does not know, when a run ends, and after the event socket reconnects.
 */
export function useRunsList() {
  const queryClient = useQueryClient();
  const runs = useLabQuery('runs.list', {});
  // Grows only: a run announced by an event before the list names it is fetched for once.
  const known = useRef(new Set<string>());
  for (const r of runs.data ?? []) known.current.add(r.runId);
  const connection = getConnection();
  const { epoch } = useSyncExternalStore(connection.subscribe, connection.get);

  useEffect(
    () =>
      getLab().onRunEvent((e) => {
        if (e.type === 'end' || !known.current.has(e.runId)) {
          known.current.add(e.runId);
          void queryClient.invalidateQueries({ queryKey: ['runs.list'] });
        }
      }),
    [queryClient],
  );

  useEffect(() => {
    if (epoch > 1) void queryClient.invalidateQueries({ queryKey: ['runs.list'] });
  }, [epoch, queryClient]);

  return runs;
}
