/**
 * Resource guard rails (seed 000 section 4): host CPU above 85%, RAM above 80% or GPU above 70%,
 * sustained over the plan's window, halts the probe before it harms the host. "Sustained" means
 * every sample since the breach began was over the line; one sample under resets it.
 */
import type { GuardProgress, HostSample } from '../model/evidence';
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
  private last: Record<'cpu' | 'ram' | 'gpu', number | null> = { cpu: null, ram: null, gpu: null };
  private lastAt = 0;

  constructor(private readonly g: Thresholds['guard']) {}

  /** Feeds one host sample; returns a trip once a breach has lasted the whole window. */
  observe(h: HostSample): GuardTrip | null {
    const checks: [GuardTrip['metric'], number | null, number][] = [
      ['cpu', h.cpuPct, this.g.cpuPct],
      ['ram', h.ramPct, this.g.ramPct],
      ['gpu', h.gpuPct, this.g.gpuPct],
    ];
    this.lastAt = h.at;
    for (const [metric, value] of checks) this.last[metric] = value;
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

  /** Each rail's progress toward tripping as of the last sample observed. */
  progress(): GuardProgress[] {
    const limits = { cpu: this.g.cpuPct, ram: this.g.ramPct, gpu: this.g.gpuPct };
    return (['cpu', 'ram', 'gpu'] as const).map((metric) => {
      const since = this.since[metric];
      return {
        metric,
        limitPct: limits[metric],
        lastPct: this.last[metric],
        overMs: since === null ? 0 : this.lastAt - since,
        windowMs: this.g.windowSec * 1000,
      };
    });
  }
}
