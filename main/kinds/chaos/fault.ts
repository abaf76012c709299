/**
 * The dispatch from scenario type and target kind to the code that really does the fault.
 */
import type { Freezer } from './freezer';
import type { FaultContext, FaultOutcome } from './fault-context';
import {
  commandBurst,
  cpuSpike,
  heartbeatPause,
  memorySpike,
  messageFlood,
  telemetryStorm,
} from './agent-scenarios';
import { diskIoStall, networkPartition } from './agent-host-faults';
import { runKernelFault } from './kernel-scenarios';

export { CpuBudget, type FaultContext, type FaultOutcome } from './fault-context';

export async function runFault(ctx: FaultContext, freezer: Freezer): Promise<FaultOutcome> {
  if (ctx.target.kind === 'lab-kernel') {
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
      return diskIoStall(ctx);
    case 'network-partition':
      return networkPartition(ctx);
  }
}
