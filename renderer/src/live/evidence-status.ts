/**
 * What the live screen says beside the elapsed time: when the probe clock started (after the
 * targets were up; the maximum duration counts from it), each guard rail's reading against its
 * limit and how long a breach has lasted, and the last pulse's file-I/O figure. Pure, so it is
 * tested without a browser.
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

/** What each rail measures, said in full: the sampler reads /proc/stat over all cores, not one. */
const RAIL_NAMES: Record<string, string> = {
  cpu: 'Host CPU (all cores)',
  ram: 'Host RAM',
  gpu: 'Host GPU',
};

/**
 * One guard rail as the live screen draws it. The bar is the metric itself on a 0-100 % scale with
 * the limit marked; how long a breach has lasted is a separate line in seconds. (The bar once drew
 * the breach's share of the window beside "CPU 82 %": a nearly full bar read as a host near 99 %.)
 */
export interface RailView {
  metric: string;
  name: string;
  /** The last sample, 0..100, or null when the host has no such reading (no GPU). */
  valuePct: number | null;
  limitPct: number;
  /** `82.4 %`, or `not measured`. */
  valueText: string;
  over: boolean;
  /** `under 85 % · halts after 8 s over it` or `over 85 % for 3 of 8 s, then halts`. */
  breachText: string;
}

export function railViews(live: Pick<LiveRun, 'guard'>): RailView[] {
  return (live.guard ?? []).map((g) => {
    const windowSec = (g.windowMs / 1000).toFixed(0);
    const over = g.overMs > 0;
    return {
      metric: g.metric,
      name: RAIL_NAMES[g.metric] ?? g.metric.toUpperCase(),
      valuePct: g.lastPct === null ? null : Math.max(0, Math.min(100, g.lastPct)),
      limitPct: g.limitPct,
      valueText: g.lastPct === null ? 'not measured' : `${g.lastPct} %`,
      over,
      breachText: over
        ? `over ${g.limitPct} % for ${(g.overMs / 1000).toFixed(0)} of ${windowSec} s, then halts`
        : `under ${g.limitPct} % · halts after ${windowSec} s over it`,
    };
  });
}

export function lastFileIo(live: Pick<LiveRun, 'pulses'>): string | null {
  const p = [...live.pulses].reverse().find((x) => x.fileIo);
  return p?.fileIo ? `${p.fileIo.maxMs} ms (${p.fileIo.class}) at pulse ${p.seq}` : null;
}
