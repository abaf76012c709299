import type { RunSummary } from '../../../preload/contract';
import { isActive } from '../run/live-run';

/** The run the live screen shows: the one in the address, else the active run, else the most recent. */
export function pickRun(runId: string | null, runs: readonly RunSummary[] | undefined): string | null {
  if (runId !== null) return runId;
  if (runs === undefined || runs.length === 0) return null;
  const active = runs.find(isActive);
  if (active) return active.runId;
  return [...runs].sort((a, b) => b.startedAt - a.startedAt)[0]?.runId ?? null;
}
