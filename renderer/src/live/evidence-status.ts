/**
 * What the live screen says beside the elapsed time: when the probe clock started (after the
 * targets were up; the maximum duration counts from it), each guard rail's progress toward
 * tripping, and the last pulse's file-I/O figure. Pure, so it is tested without a browser.
 */
import type { LiveRun } from '../run/live-run';
import { formatDuration } from '../ui/format';

export interface ProbeClock {
  startedAt: number | null;
  targetsUpAfterMs: number | null;
  /** `[1:03 / 1:00 max from probe clock start, targets up at +12 s]`. */
  text: string;
}

export function probeClock(
  live: Pick<LiveRun, 'events' | 'maxDurationSec' | 'run'>,
  now: number,
): ProbeClock {
  const e = live.events.find((x) => typeof x.data?.probeClockStartedAt === 'number');
  const max = formatDuration(live.maxDurationSec * 1000);
  if (!e)
    return {
      startedAt: null,
      targetsUpAfterMs: null,
      text: `${formatDuration(now - live.run.startedAt)} since run start / ${max} max from probe clock start, targets not up yet`,
    };
  const at = e.data?.probeClockStartedAt as number;
  const up = typeof e.data?.targetsUpAfterMs === 'number' ? e.data.targetsUpAfterMs : 0;
  const end = live.run.endedAt ?? now;
  return {
    startedAt: at,
    targetsUpAfterMs: up,
    text: `${formatDuration(end - at)} / ${max} max from probe clock start, targets up at +${Math.round(up / 1000)} s`,
  };
}

export interface RailView {
  metric: string;
  text: string;
  /** 0..100: share of the window the breach has lasted. */
  pct: number;
}

export function railViews(live: Pick<LiveRun, 'guard'>): RailView[] {
  return (live.guard ?? []).map((g) => ({
    metric: g.metric,
    pct: g.windowMs > 0 ? Math.min(100, (100 * g.overMs) / g.windowMs) : 0,
    text:
      g.overMs > 0
        ? `${g.metric.toUpperCase()} ${g.lastPct ?? '—'}% over ${g.limitPct}% for ${(g.overMs / 1000).toFixed(0)} of ${(g.windowMs / 1000).toFixed(0)} s`
        : `${g.metric.toUpperCase()} ${g.lastPct ?? '—'}% (limit ${g.limitPct}%, window ${(g.windowMs / 1000).toFixed(0)} s)`,
  }));
}

export function lastFileIo(live: Pick<LiveRun, 'pulses'>): string | null {
  const p = [...live.pulses].reverse().find((x) => x.fileIo);
  return p?.fileIo ? `${p.fileIo.maxMs} ms (${p.fileIo.class}) at pulse ${p.seq}` : null;
}
