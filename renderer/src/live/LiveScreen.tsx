import type { RunSummary } from '../../../preload/contract';
import { isActive } from '../run/live-run';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { CoverageTimeline } from './CoverageTimeline';
import { EventTimeline } from './EventTimeline';
import { IntegrityPanel } from './IntegrityPanel';
import { PulseLatencyChart, ResourceChart } from './LiveCharts';
import { OutputPanes, useOutputStore } from './OutputPanes';
import { PulseStrip } from './PulseStrip';
import { RunOverview } from './RunOverview';
import { TesPanel } from './TesPanel';
import { useLiveRun } from './useLiveRun';

/** The run named in the address, else the active run, else the most recent one. */
export function pickRun(runId: string | null, runs: readonly RunSummary[] | undefined): string | null {
  if (runId !== null) return runId;
  if (runs === undefined || runs.length === 0) return null;
  const active = runs.find(isActive);
  if (active) return active.runId;
  return [...runs].sort((a, b) => b.startedAt - a.startedAt)[0]?.runId ?? null;
}

export function LiveScreen({ runId, runs }: { runId: string | null; runs: RunSummary[] | undefined }) {
  const chosen = pickRun(runId, runs);
  if (chosen === null) {
    return (
      <div className="screen">
        <h2>Live run</h2>
        <p className="muted" data-testid="no-run">
          No run yet. Pick a plan under Probes, review it and start it.
        </p>
      </div>
    );
  }
  return <LiveRunView key={chosen} runId={chosen} />;
}

function LiveRunView({ runId }: { runId: string }) {
  const { live, fetchedAt, tails, error, loading } = useLiveRun(runId);
  const store = useOutputStore(runId, tails, fetchedAt);
  return (
    <div className="screen live" data-testid="live-screen" data-run-id={runId}>
      <ErrorBanner error={error} title="runs.state" />
      <Working active={loading} label="loading the run…" />
      {live === null ? null : (
        <>
          <RunOverview live={live} />
          <PulseStrip pulses={live.pulses} />
          <div className="grid-2">
            <PulseLatencyChart live={live} />
            <ResourceChart live={live} />
          </div>
          <div className="grid-2">
            <TesPanel tes={live.tes} />
            <IntegrityPanel integrity={live.integrity} />
          </div>
          <CoverageTimeline coverage={live.coverage} snapshots={live.snapshots} />
          <OutputPanes runId={runId} store={store} targets={live.targets} />
          <EventTimeline events={live.events} anomalies={live.anomalies} />
        </>
      )}
    </div>
  );
}
