import { useSyncExternalStore } from 'react';
import { getConnection } from '../api/lab';
import type { LinkState } from '../api/connection';
import { useNow } from '../ui/useNow';

const LABEL: Record<LinkState, string> = {
  ipc: 'connected (app)',
  connecting: 'connecting…',
  open: 'connected',
  down: 'disconnected',
  'no-token': 'no token',
};

function useConnection() {
  const c = getConnection();
  return useSyncExternalStore(c.subscribe, c.get);
}

export function ConnectionBadge() {
  const status = useConnection();
  return (
    <span
      className={`ws-status ws-${status.state}`}
      data-testid="ws-status"
      data-state={status.state}
      data-malformed={status.malformedFrames}
      title={`event link: ${LABEL[status.state]}; malformed frames ignored: ${status.malformedFrames}`}
    >
      {LABEL[status.state]}
      {status.malformedFrames > 0 ? ` · ${status.malformedFrames} bad frames ignored` : ''}
    </span>
  );
}

/** Shown while the event socket is down: the live screen is not receiving anything. */
export function DisconnectedBanner() {
  const status = useConnection();
  const now = useNow(status.state === 'down', 500);
  if (status.state === 'no-token') {
    return (
      <div
        className="disconnected-banner"
        role="alert"
        data-testid="disconnected-banner"
        data-state="no-token"
      >
        No access token: open the address printed by <code>probe-lab serve</code> (it ends in{' '}
        <code>?token=…</code>).
      </div>
    );
  }
  if (status.state !== 'down') return null;
  const secs = status.retryAt === null ? null : Math.max(0, Math.ceil((status.retryAt - now) / 1000));
  return (
    <div className="disconnected-banner" role="alert" data-testid="disconnected-banner" data-state="down">
      Disconnected from the Probe Lab server: live updates are paused
      {secs === null ? '' : `; retrying in ${secs} s`}.
    </div>
  );
}
