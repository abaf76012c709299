/** Terminal formatting for live progress. */
import type { Pulse } from '../model/evidence';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return h
    ? `${h}:${String(m).padStart(2, '0')}:${String(ss).padStart(2, '0')}`
    : `${String(m).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

export function liveLine(
  run: { elapsedMs: number; plan: { run: { maxDurationSec: number } } },
  p: Pulse,
  /** The clock prefix (the probe clock, see live-status.ts); the run's elapsed time otherwise. */
  clock?: string,
): string {
  const phase = p.phase === 'during' ? `burst ${p.burst}` : p.phase;
  const tes =
    p.tes === null
      ? 'TES n/a'
      : `TES ${p.tes.toFixed(1)}${p.tesDelta !== null ? ` (${p.tesDelta >= 0 ? '+' : ''}${p.tesDelta.toFixed(1)})` : ''}`;
  const rtts = p.targets.map((t) => t.rttMs).filter((x): x is number => x !== null);
  const rtt = rtts.length ? ` rtt max ${Math.max(...rtts).toFixed(1)} ms` : '';
  const host = p.host ? ` cpu ${p.host.cpuPct}% ram ${p.host.ramPct}%` : '';
  return `${clock ?? `[${formatDuration(run.elapsedMs)}/${formatDuration(run.plan.run.maxDurationSec * 1000)}]`} pulse ${p.seq} ${phase.padEnd(8)} ${p.status.padEnd(6)} ${p.latencyClass.padEnd(8)} ${(p.latencyMs / 1000).toFixed(2)} s  ${tes}${rtt}${host}${p.reasons.length ? `  (${p.reasons.join('; ')})` : ''}`;
}
