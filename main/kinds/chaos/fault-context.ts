/**
 * One scenario's fault: the context it runs in and what it reports. A fault resolves when it is released
 * (the pause ended, the spike reported done, the last message was written); recovery is measured
 * from that moment.
 */
import os from 'node:os';
import type { Target } from '../../lab/target';
import type { LatencyRecorder } from '../../scoring/histogram';
import type { ScheduledEvent } from './schedule';
import type { ChaosSection } from './schema';
import type { TargetWatch } from './watch';

export interface FaultContext {
  target: Target;
  watch: TargetWatch;
  event: ScheduledEvent;
  section: ChaosSection;
  cpu: CpuBudget;
  commandLatency: LatencyRecorder;
  halting: () => boolean;
  haltingPromise: Promise<void>;
}

export interface FaultOutcome {
  /** Date.now() when the fault began and when it was released. */
  startedAt: number;
  releasedAt: number;
  details: Record<string, unknown>;
}

/**
 * Concurrent CPU spikes share one budget: at most `capShare` of the host's cores (seed 001's
 * recommendation, after its CPU spike took every core and the heartbeats with it).
 */
export class CpuBudget {
  private used = 0;
  readonly cores: number;
  constructor(
    readonly capShare: number,
    cores = os.cpus().length,
  ) {
    this.cores = cores * capShare;
  }
  /** Grants up to `want` cores; returns what was granted (0 when the budget is spent). */
  take(want: number): number {
    const granted = Math.max(0, Math.min(want, this.cores - this.used));
    this.used += granted;
    return Math.round(granted * 1000) / 1000;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}
