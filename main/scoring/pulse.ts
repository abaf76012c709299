/**
 * Compliance pulse classification (seed 000 section 4). Latency is measured from the pulse's
 * planned time to the moment every check answered: < warnSec OK, warnSec-critSec warning, over
 * critSec critical; a pulse that could not run at all is skipped, counted, and critical.
 */
import type { HostSample, IntegrityCheck, LatencyClass, PulseStatus, TargetPulse } from '../model/evidence';
import type { Thresholds } from '../model/plan';

export function classifyLatency(latencyMs: number, t: Thresholds['pulse']): LatencyClass {
  if (latencyMs < t.warnSec * 1000) return 'ok';
  if (latencyMs <= t.critSec * 1000) return 'warning';
  return 'critical';
}

export interface PulseJudgement {
  status: PulseStatus;
  reasons: string[];
}

/** Why a pulse is GREEN, YELLOW or RED, in words a reviewer can check against the figures. */
export function judgePulse(input: {
  latencyClass: LatencyClass;
  latencyMs: number;
  host: HostSample | null;
  targets: (TargetPulse & { failed?: boolean })[];
  integrity: IntegrityCheck | null;
  thresholds: Thresholds;
}): PulseJudgement {
  const red: string[] = [];
  const yellow: string[] = [];
  const secs = (input.latencyMs / 1000).toFixed(2);
  if (input.latencyClass === 'skipped') red.push('pulse skipped');
  else if (input.latencyClass === 'critical')
    red.push(`latency ${secs} s over ${input.thresholds.pulse.critSec} s`);
  else if (input.latencyClass === 'warning')
    yellow.push(`latency ${secs} s over ${input.thresholds.pulse.warnSec} s`);
  if (input.integrity && !input.integrity.ok) red.push(`integrity ${integrityProblem(input.integrity)}`);
  for (const t of input.targets) {
    if (t.failed) red.push(`${t.targetId} failed`);
    else if (t.responsive === false) yellow.push(`${t.targetId} unresponsive (${t.detail})`);
  }
  const g = input.thresholds.guard;
  if (input.host) {
    if (input.host.cpuPct > g.cpuPct) yellow.push(`host CPU ${input.host.cpuPct}% over ${g.cpuPct}%`);
    if (input.host.ramPct > g.ramPct) yellow.push(`host RAM ${input.host.ramPct}% over ${g.ramPct}%`);
    if (input.host.gpuPct !== null && input.host.gpuPct > g.gpuPct)
      yellow.push(`host GPU ${input.host.gpuPct}% over ${g.gpuPct}%`);
  }
  if (red.length) return { status: 'RED', reasons: [...red, ...yellow] };
  if (yellow.length) return { status: 'YELLOW', reasons: yellow };
  return { status: 'GREEN', reasons: [] };
}

/** What is wrong with an integrity check that is not ok: files changed, and what was not verified. */
export function integrityProblem(c: IntegrityCheck): string {
  const parts: string[] = [];
  if (c.changed.length) parts.push(`changed: ${c.changed.join(', ')}`);
  if (c.findings.length)
    parts.push(`not verified: ${c.findings.map((f) => `${f.path} (${f.fileType}: ${f.reason})`).join(', ')}`);
  return parts.join('; ');
}
