/**
 * What "Pulse health YELLOW" means, in words. The status is the latest pulse's; the explanation
 * is the reasons of the latest pulse that was not GREEN (host CPU over its guard rail, a slow
 * pulse, an unresponsive target), so a YELLOW beside "Verdict: PASS" is never left unexplained.
 * Pulse health is a live signal, not the verdict: the verdict comes from the plan's thresholds.
 */
import type { Pulse } from '../../../preload/contract';

export const PULSE_HEALTH_IS_NOT_THE_VERDICT =
  "Pulse health is each pulse's live status (latency, targets, host load); it is not the verdict, which the plan's thresholds decide when the run ends.";

export interface PulseHealth {
  status: Pulse['status'] | null;
  /** "YELLOW at pulse 7: host CPU 92% over 85%"; null when every pulse so far was GREEN. */
  why: string | null;
  /** True when the explained pulse is not the latest (the run has been GREEN since). */
  earlier: boolean;
}

export function pulseHealth(pulses: readonly Pulse[]): PulseHealth {
  const latest = pulses[pulses.length - 1];
  if (latest === undefined) return { status: null, why: null, earlier: false };
  for (let i = pulses.length - 1; i >= 0; i--) {
    const p = pulses[i]!;
    if (p.status === 'GREEN') continue;
    const reasons = p.reasons.length > 0 ? p.reasons.join('; ') : 'no reason recorded';
    return { status: latest.status, why: `${p.status} at pulse ${p.seq}: ${reasons}`, earlier: p !== latest };
  }
  return { status: latest.status, why: null, earlier: false };
}
