import { useEffect, useState } from 'react';

/** Calls that finish quickly flash nothing; anything slower than this shows progress. */
export const WORKING_DELAY_MS = 400;

export function useDelayedFlag(active: boolean, delayMs = WORKING_DELAY_MS): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!active) {
      setShown(false);
      return;
    }
    const t = window.setTimeout(() => setShown(true), delayMs);
    return () => window.clearTimeout(t);
  }, [active, delayMs]);
  return shown;
}

export function Working(props: { active: boolean; label?: string; testId?: string }) {
  const shown = useDelayedFlag(props.active);
  if (!shown) return null;
  return (
    <span className="working" role="status" data-testid={props.testId ?? 'working'}>
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'working…'}
    </span>
  );
}
