/**
 * Resource guard rails (seed 000 section 4): host CPU above 85%, RAM above 80% or GPU above 70%,
 * sustained over the plan's window, halts the probe before it harms the host. "Sustained" means
 * every sample since the breach began was over the line; one sample under resets it.
 */
import type { HostSample } from '../model/evidence';
import type { Thresholds } from '../model/plan';

export interface GuardTrip {
  metric: 'cpu' | 'ram' | 'gpu';
  limitPct: number;
  sinceMs: number;
  sustainedMs: number;
  lastPct: number;
}

export class GuardRails {
  private since: Record<'cpu' | 'ram' | 'gpu', number | null> = { cpu: null, ram: null, gpu: null };

  constructor(private readonly g: Thresholds['guard']) {}

  /** Feeds one host sample; returns a trip once a breach has lasted the whole window. */
  observe(h: HostSample): GuardTrip | null {
    const checks: [GuardTrip['metric'], number | null, number][] = [
      ['cpu', h.cpuPct, this.g.cpuPct],
      ['ram', h.ramPct, this.g.ramPct],
      ['gpu', h.gpuPct, this.g.gpuPct],
    ];
    for (const [metric, value, limit] of checks) {
      if (value === null || value <= limit) {
        this.since[metric] = null;
        continue;
      }
      const since = (this.since[metric] ??= h.at);
      const sustainedMs = h.at - since;
      if (sustainedMs >= this.g.windowSec * 1000)
        return { metric, limitPct: limit, sinceMs: since, sustainedMs, lastPct: value };
    }
    return null;
  }
}
