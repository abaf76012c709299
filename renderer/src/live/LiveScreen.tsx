import type { RunSummary } from '../../../preload/contract';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { CoverageTimeline } from './CoverageTimeline';
import { EventTimeline } from './EventTimeline';
import { EvidenceStatus } from './EvidenceStatus';
import { IntegrityPanel } from './IntegrityPanel';
import { PulseLatencyChart, ResourceChart } from './LiveCharts';
import { OutputPanes, useOutputStore } from './OutputPanes';
import { pickRun } from './pick-run';
import { PulseStrip } from './PulseStrip';
import { RunOverview } from './RunOverview';
import { TesPanel } from './TesPanel';
import { useLiveRun } from './useLiveRun';

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
          <EvidenceStatus live={live} />
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
          <EventTimeline events={live.events} anomalies={live.anomalies} startedAt={live.run.startedAt} />
        </>
      )}
    </div>
  );
}
