/**
 * The lab kernel's public surface: what the runner, the CLI and the app use. `registerLabKernel()`
 * plugs the QEMU target into the target factory, so plain agent runs never load QEMU code.
 */
import type { Target } from '../target';
import { registerKernelTargetFactory } from '../../probes/targets';
import { KernelTarget } from './kernel-target';

export { KernelTarget, type KernelTargetOptions, type KernelPulse } from './kernel-target';
export { labKernelPaths, type LabKernelPaths } from './paths';
export {
  setupLabKernel,
  labKernelStatus,
  type SetupResult,
  type LabKernelStatus,
  type LabKernelManifest,
} from './setup';
export { parseUserKernel, userKernelTarget, UserKernelSchema, type UserKernel } from './user-kernels';
export { QmpClient, type QmpEvent, type QmpStatus } from './qmp';
export { SerialParser, type Heartbeat } from './serial';
export {
  memoryPressure,
  commandFlood,
  cpuBurn,
  diskWrite,
  type MemoryPressureResult,
  type CommandFloodResult,
  type CpuBurnResult,
  type DiskWriteResult,
} from './stress';
export {
  pauseVm,
  diskStall,
  throttleDisk,
  setLink,
  partitionNetwork,
  memorySpike,
  type PauseResult,
  type DiskStallResult,
  type PartitionResult,
  type MemorySpikeResult,
} from './faults';
export {
  runStresstest,
  stresstestCommandLine,
  type StresstestRun,
  type StresstestSuite,
  type StresstestOptions,
} from './stresstest';

/** The kernel target behind a Target, or null for any other kind (the runner's chaos steps need it). */
export function asKernelTarget(t: Target): KernelTarget | null {
  return t instanceof KernelTarget ? t : null;
}

export function registerLabKernel(): void {
  registerKernelTargetFactory((spec, opts) => new KernelTarget(spec, { workdir: opts.workdir }));
}
