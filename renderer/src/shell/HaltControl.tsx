import type { RunSummary } from '../../../preload/contract';
import { useLabMutation } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';

export interface HaltResult {
  runId: string;
  stoppedWithinMs: number;
}

/** The Halt button: in the fixed header whenever a run is active, whatever the screen. */
export function HaltControl({
  run,
  onHalted,
}: {
  run: RunSummary | null;
  onHalted: (r: HaltResult) => void;
}) {
  const halt = useLabMutation('runs.halt', { onSuccess: onHalted });
  if (run === null) return null;
  return (
    <div className="halt-control" data-testid="active-run" data-run-id={run.runId}>
      <span className="active-run-label">
        <span className="pulse-dot" aria-hidden="true" /> {run.title}{' '}
        <span className="muted">({run.status})</span>
      </span>
      <button
        type="button"
        className="halt-button"
        data-testid="halt-button"
        disabled={halt.isPending}
        onClick={() => halt.mutate({ runId: run.runId })}
      >
        {halt.isPending ? 'Halting…' : 'HALT'}
      </button>
      <Working active={halt.isPending} label="halting…" />
      <ErrorBanner error={halt.error} title="runs.halt" />
    </div>
  );
}
