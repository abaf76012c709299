/**
 * One scenario's fault: the context it runs in, what it reports, and the dispatch from scenario
 * type and target kind to the code that really does it. A fault resolves when it is released
 * (the pause ended, the spike reported done, the last message was written); recovery is measured
 * from that moment.
 */
import os from 'node:os';
import type { Target } from '../../lab/target';
import type { LatencyRecorder } from '../../scoring/histogram';
import type { Freezer } from './freezer';
import type { ScheduledEvent } from './schedule';
import type { ChaosSection } from './schema';
import type { TargetWatch } from './watch';
import {
  commandBurst,
  cpuSpike,
  heartbeatPause,
  memorySpike,
  messageFlood,
  telemetryStorm,
} from './agent-faults';

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

export async function runFault(ctx: FaultContext, freezer: Freezer): Promise<FaultOutcome> {
  if (ctx.target.kind === 'lab-kernel') {
    const { runKernelFault } = await import('./kernel-faults');
    return runKernelFault(ctx);
  }
  switch (ctx.event.type) {
    case 'heartbeat-pause':
      return heartbeatPause(ctx, freezer);
    case 'cpu-spike':
      return cpuSpike(ctx);
    case 'memory-spike':
      return memorySpike(ctx);
    case 'message-flood':
      return messageFlood(ctx);
    case 'telemetry-storm':
      return telemetryStorm(ctx);
    case 'command-burst':
      return commandBurst(ctx);
    case 'disk-io-stall':
    case 'network-partition':
      throw new Error(`${ctx.event.type} is not supported on agent targets (the schedule never draws it)`);
  }
}
