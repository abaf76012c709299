/**
 * Recovery detection by four methods at once, each reported on its own (seed 001's third critical
 * issue: recovery judged on heartbeats alone failed with the heartbeats). From the moment a fault
 * is released, until all four agree or the scenario's recovery timeout passes:
 *  - heartbeat: the target's next heartbeat arrives;
 *  - health: the target's health check answers (agents: ping round trip; kernels: QMP + shell);
 *  - metrics: a heartbeat shows its CPU and memory back under thresholds set from the baseline;
 *  - log: the target prints anything again.
 */
import type { Target } from '../../lab/target';
import type { Beat, TargetWatch } from './watch';

export const RECOVERY_METHODS = ['heartbeat', 'health', 'metrics', 'log'] as const;
export type RecoveryMethod = (typeof RECOVERY_METHODS)[number];

/** CPU back under the baseline share of one core plus this much (a quarter core of headroom). */
export const CPU_HEADROOM_SHARE = 0.25;
/** RSS back under the baseline plus the larger of this many kB and a quarter of the baseline. */
export const RSS_HEADROOM_KB = 16 * 1024;
/** A guest's MemAvailable back within this share of its baseline (as main/lab/kernel/faults.ts). */
export const MEMAVAIL_RECOVERED_SHARE = 0.95;
const HEALTH_POLL_MS = 50;
const HEALTH_CHECK_MAX_MS = 1000;

export interface MetricBaseline {
  cpuShare: number | null;
  rssKb: number | null;
  memAvailableKb: number | null;
}

export interface MethodOutcome {
  method: RecoveryMethod;
  ok: boolean;
  /** ms from the fault's release to the first observation that satisfied the method. */
  atMs: number | null;
  detail: string;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? null;
};

function cpuShareBetween(a: Beat | null, b: Beat): number | null {
  if (!a || a.cpuMs === null || b.cpuMs === null || b.at <= a.at) return null;
  return (b.cpuMs - a.cpuMs) / (b.at - a.at);
}

/** Baseline metrics from the heartbeats seen so far (taken before the first wave). */
export function metricBaseline(watch: TargetWatch): MetricBaseline {
  const shares: number[] = [];
  for (let i = 1; i < watch.beats.length; i++) {
    const s = cpuShareBetween(watch.beats[i - 1] ?? null, watch.beats[i] as Beat);
    if (s !== null) shares.push(s);
  }
  return {
    cpuShare: median(shares),
    rssKb: median(watch.beats.flatMap((b) => (b.rssKb === null ? [] : [b.rssKb]))),
    memAvailableKb: median(watch.beats.flatMap((b) => (b.memAvailableKb === null ? [] : [b.memAvailableKb]))),
  };
}

/** Whether a heartbeat shows the metrics back under their thresholds; null when it carries none. */
export function metricsRecovered(
  base: MetricBaseline,
  beat: Beat,
  prev: Beat | null,
): { ok: boolean; detail: string } | null {
  const parts: string[] = [];
  let ok = true;
  let any = false;
  const share = cpuShareBetween(prev, beat);
  if (share !== null && base.cpuShare !== null) {
    any = true;
    const limit = base.cpuShare + CPU_HEADROOM_SHARE;
    ok &&= share <= limit;
    parts.push(`cpu ${share.toFixed(2)} of a core (limit ${limit.toFixed(2)})`);
  }
  if (beat.rssKb !== null && base.rssKb !== null) {
    any = true;
    const limit = base.rssKb + Math.max(RSS_HEADROOM_KB, base.rssKb / 4);
    ok &&= beat.rssKb <= limit;
    parts.push(`rss ${beat.rssKb} kB (limit ${Math.round(limit)})`);
  }
  if (beat.memAvailableKb !== null && base.memAvailableKb !== null) {
    any = true;
    const limit = base.memAvailableKb * MEMAVAIL_RECOVERED_SHARE;
    ok &&= beat.memAvailableKb >= limit;
    parts.push(`MemAvailable ${beat.memAvailableKb} kB (needs >= ${Math.round(limit)})`);
  }
  return any ? { ok, detail: parts.join(', ') } : null;
}

export interface RecoveryInput {
  target: Target;
  watch: TargetWatch;
  baseline: MetricBaseline;
  /** Date.now() when the fault was released. */
  releasedAt: number;
  timeoutMs: number;
  halting: () => boolean;
}

async function byHealth(i: RecoveryInput, until: number): Promise<MethodOutcome> {
  let last = 'no check ran';
  while (Date.now() < until && !i.halting()) {
    const h = await i.target.health(Math.max(1, Math.min(HEALTH_CHECK_MAX_MS, until - Date.now())));
    last = `${h.method}: ${h.detail}`;
    if (h.alive && h.responsive !== false) {
      return { method: 'health', ok: true, atMs: Date.now() - i.releasedAt, detail: last };
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
  return {
    method: 'health',
    ok: false,
    atMs: null,
    detail: `not healthy within ${i.timeoutMs} ms (last: ${last})`,
  };
}

async function byHeartbeat(i: RecoveryInput, until: number): Promise<MethodOutcome> {
  const b = await i.watch.nextBeat(i.releasedAt, until);
  return b
    ? { method: 'heartbeat', ok: true, atMs: b.at - i.releasedAt, detail: 'heartbeat received' }
    : { method: 'heartbeat', ok: false, atMs: null, detail: `no heartbeat within ${i.timeoutMs} ms` };
}

async function byMetrics(i: RecoveryInput, until: number): Promise<MethodOutcome> {
  let last = 'no heartbeat with metrics';
  const b = await i.watch.nextBeat(i.releasedAt, until, (beat) => {
    const r = metricsRecovered(i.baseline, beat, i.watch.before(beat));
    if (r) last = r.detail;
    return r?.ok ?? false;
  });
  return b
    ? { method: 'metrics', ok: true, atMs: b.at - i.releasedAt, detail: last }
    : {
        method: 'metrics',
        ok: false,
        atMs: null,
        detail: `not under thresholds within ${i.timeoutMs} ms (last: ${last})`,
      };
}

async function byLog(i: RecoveryInput, until: number): Promise<MethodOutcome> {
  const at = await i.watch.nextOutput(i.releasedAt, until);
  return at !== null
    ? { method: 'log', ok: true, atMs: at - i.releasedAt, detail: 'output resumed' }
    : { method: 'log', ok: false, atMs: null, detail: `no output within ${i.timeoutMs} ms` };
}

/** Runs every method concurrently; recovered when all of them succeeded within the timeout. */
export async function detectRecovery(
  i: RecoveryInput,
): Promise<{ recovered: boolean; recoveryMs: number | null; methods: MethodOutcome[] }> {
  const until = i.releasedAt + i.timeoutMs;
  const methods = await Promise.all([
    byHeartbeat(i, until),
    byHealth(i, until),
    byMetrics(i, until),
    byLog(i, until),
  ]);
  const recovered = methods.every((m) => m.ok);
  const recoveryMs = recovered ? Math.max(0, ...methods.map((m) => m.atMs ?? 0)) : null;
  return { recovered, recoveryMs, methods };
}
