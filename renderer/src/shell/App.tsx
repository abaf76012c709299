import { useIsFetching, useIsMutating, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { HistoryScreen } from '../history/HistoryScreen';
import { LiveScreen } from '../live/LiveScreen';
import { ProbesScreen } from '../probes/ProbesScreen';
import { isActive } from '../run/live-run';
import { SettingsScreen } from '../settings/SettingsScreen';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { formatRoute, type Route } from '../ui/route';
import { useRoute } from '../ui/useRoute';
import { ConnectionBadge, DisconnectedBanner } from './ConnectionStatus';
import { HaltControl, type HaltResult } from './HaltControl';
import { useRunsList } from './useRunsList';

const NAV: { screen: Route['screen']; label: string; testId: string; route: Route }[] = [
  { screen: 'probes', label: 'Probes', testId: 'nav-probes', route: { screen: 'probes', planId: null } },
  { screen: 'live', label: 'Live run', testId: 'nav-live', route: { screen: 'live', runId: null } },
  {
    screen: 'history',
    label: 'History',
    testId: 'nav-history',
    route: { screen: 'history', reportPath: null },
  },
  { screen: 'settings', label: 'Settings', testId: 'nav-settings', route: { screen: 'settings' } },
];

export function App() {
  const [route, navigate] = useRoute();
  const queryClient = useQueryClient();
  const runs = useRunsList();
  const activeRun = runs.data?.find(isActive) ?? null;
  const [haltResult, setHaltResult] = useState<HaltResult | null>(null);
  const busy = useIsFetching() + useIsMutating() > 0;

  const onStarted = (runId: string) => {
    setHaltResult(null);
    void queryClient.invalidateQueries({ queryKey: ['runs.list'] });
    navigate({ screen: 'live', runId });
  };

  return (
    <div className="app">
      <header className="app-header">
        <span className="brand">Probe Lab</span>
        <ConnectionBadge />
        <Working active={busy} testId="global-working" />
        <div className="header-spacer" />
        <HaltControl
          run={activeRun}
          onHalted={(r) => {
            setHaltResult(r);
            void queryClient.invalidateQueries({ queryKey: ['runs.list'] });
          }}
        />
        {haltResult ? (
          <span
            className="halt-result"
            data-testid="halt-result"
            data-ms={haltResult.stoppedWithinMs}
            data-run-id={haltResult.runId}
          >
            Halted: stopped within {haltResult.stoppedWithinMs} ms
            <button
              type="button"
              className="link-button"
              onClick={() => setHaltResult(null)}
              aria-label="dismiss"
            >
              ×
            </button>
          </span>
        ) : null}
      </header>
      <DisconnectedBanner />
      <nav className="app-nav" aria-label="screens" data-testid="app-nav">
        <div className="app-nav-links">
          {NAV.map((n) => (
            <a
              key={n.screen}
              href={formatRoute(n.route)}
              data-testid={n.testId}
              className={route.screen === n.screen ? 'active' : undefined}
              aria-current={route.screen === n.screen ? 'page' : undefined}
            >
              {n.label}
              {n.screen === 'live' && activeRun ? (
                <span className="live-dot" aria-label="a run is active" />
              ) : null}
            </a>
          ))}
        </div>
      </nav>
      <main className="app-main">
        <ErrorBanner error={runs.error} title="runs.list" />
        {route.screen === 'probes' ? (
          <ProbesScreen
            planId={route.planId}
            onSelect={(planId) => navigate({ screen: 'probes', planId })}
            onStarted={onStarted}
          />
        ) : route.screen === 'live' ? (
          <LiveScreen runId={route.runId} runs={runs.data} />
        ) : route.screen === 'history' ? (
          <HistoryScreen
            reportPath={route.reportPath}
            onOpen={(reportPath) => navigate({ screen: 'history', reportPath })}
          />
        ) : (
          <SettingsScreen />
        )}
      </main>
    </div>
  );
}
