/**
 * The composition root of the engine's probe kinds and of the lab-kernel target: every entry
 * point (CLI, console, serve, tests) gets this same explicit list. Nothing registers itself at
 * import time; adding a kind is one line here.
 */
import { KernelTarget } from '../lab/kernel/kernel-target';
import type { Target } from '../lab/target';
import type { TargetSpec } from '../model/plan';
import { burstKind } from './burst';
import { chaosKind } from './chaos';
import { kernelPauseKind } from './kernel/pause';
import { stresstestKind } from './stresstest';
import type { ProbeKind } from './kind';
import type { CgroupCell } from '../lab/cgroup';

export const PROBE_KINDS: readonly ProbeKind[] = [chaosKind, burstKind, kernelPauseKind, stresstestKind];

/** Builds a lab-kernel target; given to createTargets so plain agent runs never need QEMU code. */
export type KernelTargetFactory = (
  spec: Extract<TargetSpec, { kind: 'lab-kernel' }>,
  opts: { id: string; workdir: string; env: Record<string, string>; cell?: CgroupCell | null },
) => Target;

export const labKernelTarget: KernelTargetFactory = (spec, { workdir, env, cell }) =>
  new KernelTarget(spec, { workdir, env, cell: cell ?? null });
