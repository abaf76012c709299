/**
 * Turns a plan's target specs into prepared instances: commands resolved against the allowlist
 * (before anything is spawned), one working folder per instance, and a factory that builds the
 * live Target when the run starts.
 */
import path from 'node:path';
import { AgentTarget } from '../lab/agent-target';
import type { ProcIdentity } from '../lab/process-tree';
import type { CgroupCell } from '../lab/cgroup';
import type { NetNamespace } from '../lab/netns';
import type { Target, TargetDescription } from '../lab/target';
import { LabError } from '../util/errors';
import { resolveAllowed, type RegisteredAgent, type ResolvedCommand } from '../safety/allowlist';
import { checkEnv } from '../safety/env-policy';
import { assertNoReservedEnv, type Plan, type TargetSpec } from '../model/plan';
import type { KernelTargetFactory } from '../kinds/index';

export interface PreparedTarget {
  instanceId: string;
  spec: TargetSpec;
  workdir: string;
  describe: TargetDescription;
  /** An exec health check's command, resolved against the allowlist (shown by the preview). */
  healthCommand?: ResolvedCommand;
  /** A lab kernel's image as it boots (a registered one resolved from Settings). */
  kernelImage?: Extract<TargetSpec, { kind: 'lab-kernel' }>['image'];
  create(hooks: {
    seen: () => ProcIdentity[];
    cell?: CgroupCell | null;
    net?: NetNamespace | { reason: string } | null;
    isolate?: ((file: string, args: string[]) => { file: string; args: string[] }) | null;
  }): Target;
}

/** The emulator every lab-kernel target runs: it must be on the plan's allowlist like any agent. */
export const QEMU_EXECUTABLE = 'qemu-system-x86_64';

/**
 * The minimal, explicit environment an agent sees: nothing of the console's own secrets. The plan's
 * env may change the defaults (PATH, HOME, ...) but is applied before Probe Lab's own ids, which it
 * can never override (plans that try are refused at parse time: assertNoReservedEnv).
 */
export function agentEnv(
  extra: Record<string, string>,
  ids: { runId?: string; targetId: string },
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: process.env.LANG ?? 'C.UTF-8',
    TERM: 'xterm-256color',
    ...extra,
    PROBE_LAB_TARGET_ID: ids.targetId,
  };
  if (ids.runId) env.PROBE_LAB_RUN_ID = ids.runId;
  return env;
}

/** What Settings registers: agents a plan may name, and the kernel of `image: "registered"`. */
export interface RegisteredTargets {
  agents: readonly RegisteredAgent[];
  labKernel: { kernel: string | null; initrd: string | null };
}

/** The explicit image a kernel spec boots: `registered` becomes the Settings' kernel and initrd. */
export function kernelImageOf(
  spec: Extract<TargetSpec, { kind: 'lab-kernel' }>,
  registered: RegisteredTargets | undefined,
): Extract<TargetSpec, { kind: 'lab-kernel' }>['image'] {
  if (spec.image !== 'registered') return spec.image;
  const k = registered?.labKernel;
  if (!k?.kernel)
    throw new LabError(
      'KERNEL_NOT_REGISTERED',
      `target ${spec.id}: image "registered" needs a lab kernel image in Settings (Lab kernel: Kernel image); none is set`,
    );
  return { kernel: k.kernel, ...(k.initrd ? { initrd: k.initrd } : {}) };
}

export function createTargets(
  plan: Plan,
  opts: {
    planDir: string;
    resourcesDir: string;
    /** From Settings; absent: no registered agents and no registered kernel. */
    registered?: RegisteredTargets;
    runDir?: string;
    runId?: string;
    /** Absent where nothing is started (the preview): a lab-kernel target then cannot be created. */
    kernelTarget?: KernelTargetFactory;
  },
): PreparedTarget[] {
  const kernelFactory = opts.kernelTarget;
  // Plans built in code (not parsed) are held to the same rule before anything is spawned.
  assertNoReservedEnv(plan);
  const out: PreparedTarget[] = [];
  const runDir = opts.runDir ?? '';
  for (const spec of plan.targets) {
    if (spec.kind === 'agent') {
      // Refused before anything resolves or spawns: the preview, `plan check` and the run all pass here.
      checkEnv(spec.env, plan.allowEnv, `target ${spec.id}`);
      const resolved = resolveAllowed(spec.command, plan.allowlist, {
        resourcesDir: opts.resourcesDir,
        baseDir: opts.planDir,
        registered: opts.registered?.agents ?? [],
      });
      // An exec health check runs a command too: the same allowlist, refused before anything starts.
      const healthCommand =
        spec.health.type === 'exec'
          ? resolveAllowed(spec.health.command, plan.allowlist, {
              resourcesDir: opts.resourcesDir,
              baseDir: opts.planDir,
              registered: opts.registered?.agents ?? [],
            })
          : undefined;
      for (let n = 1; n <= spec.count; n++) {
        const instanceId = spec.count > 1 ? `${spec.id}-${n}` : spec.id;
        const workdir = path.join(runDir, 'agents', instanceId);
        const describe: TargetDescription = {
          id: instanceId,
          kind: 'agent',
          command: resolved.file,
          args: [...resolved.prefixArgs, ...spec.args],
          cwd: workdir,
        };
        out.push({
          instanceId,
          spec,
          workdir,
          describe,
          ...(healthCommand ? { healthCommand } : {}),
          create: (hooks) =>
            new AgentTarget({
              id: instanceId,
              resolved,
              args: spec.args,
              env: agentEnv(spec.env, { runId: opts.runId, targetId: instanceId }),
              workdir,
              health: spec.health,
              ...(healthCommand ? { healthCommand } : {}),
              seen: hooks.seen,
              cell: hooks.cell ?? null,
              net: hooks.net ?? null,
              isolate: hooks.isolate ?? null,
            }),
        });
      }
    } else {
      const qemu = resolveAllowed(QEMU_EXECUTABLE, plan.allowlist, {
        resourcesDir: opts.resourcesDir,
        baseDir: opts.planDir,
      });
      // Refused here (KERNEL_NOT_REGISTERED) when nothing is registered: preview, check and run alike.
      const image = kernelImageOf(spec, opts.registered);
      const bootSpec = image === spec.image ? spec : { ...spec, image };
      const workdir = path.join(runDir, 'kernels', spec.id);
      const describe: TargetDescription = {
        id: spec.id,
        kind: 'lab-kernel',
        command: qemu.file,
        args: [],
        cwd: workdir,
      };
      out.push({
        instanceId: spec.id,
        spec,
        workdir,
        describe,
        kernelImage: image,
        // QEMU runs in the target's cell like an agent: Halt is cgroup.kill, CPU and memory its files.
        create: (hooks) => {
          if (!kernelFactory)
            throw new LabError('KERNEL_NOT_READY', 'lab-kernel targets are not available in this build');
          return kernelFactory(bootSpec, {
            id: spec.id,
            workdir,
            env: opts.runId ? { PROBE_LAB_RUN_ID: opts.runId } : {},
            cell: hooks.cell ?? null,
          });
        },
      });
    }
  }
  return out;
}
