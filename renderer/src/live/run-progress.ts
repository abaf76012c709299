/**
 * The run overview's progress row. While the run is going: elapsed against the plan's maximum
 * duration. Once it has ended the bar is complete and says so, with the final elapsed time: a run
 * that stopped at 0:13 of a 0:45 maximum ended, it is not 31% done.
 */
import { formatDuration, progressPct } from '../ui/format';

export interface RunProgress {
  ended: boolean;
  elapsedMs: number;
  /** "0:13 / 0:45" while running; "0:13 (max 0:45)" once ended. */
  text: string;
  /** 0..100; 100 once ended. */
  pct: number;
  /** "31%" while running; "ended" once ended. */
  label: string;
}

export function runProgress(
  run: { status: string; startedAt: number; endedAt: number | null },
  maxDurationSec: number,
  now: number,
): RunProgress {
  const ended = run.status === 'ended';
  const elapsedMs = Math.max(0, (ended && run.endedAt !== null ? run.endedAt : now) - run.startedAt);
  const max = formatDuration(maxDurationSec * 1000);
  if (ended)
    return { ended, elapsedMs, text: `${formatDuration(elapsedMs)} (max ${max})`, pct: 100, label: 'ended' };
  const pct = progressPct(elapsedMs, maxDurationSec);
  return {
    ended,
    elapsedMs,
    text: `${formatDuration(elapsedMs)} / ${max}`,
    pct,
    label: `${pct.toFixed(0)}%`,
  };
}
