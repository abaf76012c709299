/**
 * The report's resource figures over every sample of a run, in memory bounded by the values'
 * range rather than the run's length: each series is a count per distinct value (the sampler
 * rounds percentages to 0.1 and RSS to whole KiB, so a day of samples holds a few thousand
 * distinct values at most), which gives exact min, max, mean and percentiles, the same figures a
 * sort of every value gives.
 */
import type { ResourceSample } from '../model/evidence';
import type { ReportDocument, Stats } from '../model/report';

export class ValueTally {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private sum = 0;

  add(x: number): void {
    this.counts.set(x, (this.counts.get(x) ?? 0) + 1);
    this.n++;
    this.sum += x;
  }

  /** count/min/p50/p95/max/mean; a percentile is the value at rank ceil(p x n), as a sort gives. */
  stats(): Stats {
    if (!this.n) return null;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const at = (p: number) => {
      const rank = Math.min(this.n, Math.max(1, Math.ceil(p * this.n)));
      let seen = 0;
      for (const k of keys) {
        seen += this.counts.get(k) as number;
        if (seen >= rank) return k;
      }
      return keys[keys.length - 1] as number;
    };
    return {
      count: this.n,
      min: keys[0] as number,
      p50: at(0.5),
      p95: at(0.95),
      max: keys[keys.length - 1] as number,
      mean: Math.round((this.sum / this.n) * 10) / 10,
    };
  }
}

export type ResourcesSummary = ReportDocument['resources'];

/** Host, engine and per-target figures of every sample added. */
export class ResourceTally {
  private samples = 0;
  private readonly hostCpu = new ValueTally();
  private readonly hostRam = new ValueTally();
  private readonly engineCpu = new ValueTally();
  private readonly perTarget = new Map<string, { cpu: ValueTally; rss: ValueTally }>();

  add(s: ResourceSample): void {
    this.samples++;
    this.hostCpu.add(s.host.cpuPct);
    this.hostRam.add(s.host.ramPct);
    this.engineCpu.add(s.engineCpuPct);
    for (const t of s.targets) {
      let e = this.perTarget.get(t.targetId);
      if (!e) this.perTarget.set(t.targetId, (e = { cpu: new ValueTally(), rss: new ValueTally() }));
      e.cpu.add(t.cpuPct);
      e.rss.add(t.rssKb);
    }
  }

  summary(): ResourcesSummary {
    return {
      samples: this.samples,
      hostCpuPct: this.hostCpu.stats(),
      hostRamPct: this.hostRam.stats(),
      engineCpuPct: this.engineCpu.stats(),
      targets: [...this.perTarget].map(([targetId, v]) => ({
        targetId,
        cpuPct: v.cpu.stats(),
        rssKb: v.rss.stats(),
      })),
    };
  }

  static of(samples: readonly ResourceSample[]): ResourceTally {
    const t = new ResourceTally();
    for (const s of samples) t.add(s);
    return t;
  }
}
