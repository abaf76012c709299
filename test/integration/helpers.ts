/** Shared helpers for integration tests: real plans, real runs, real processes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfirmationAuthority } from '../../main/safety/confirmation';
import { parsePlanObject, type Plan, type PlanInput } from '../../main/model/plan';
import { ProbeRun, type RunContext } from '../../main/run/runner';
import { resourcesDir } from '../../main/util/paths';
import { createLabHost } from '../../main/host/lab-host';
import type { LabHost } from '../../main/host/host';

export function tempDir(prefix = 'probe-lab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every test process signs with a key of its own, in a temp config folder. */
export function useTempHome(): string {
  const home = tempDir('probe-lab-home-');
  process.env.PROBE_LAB_HOME = home;
  return home;
}

export function agent(
  id: string,
  args: string[],
  extra: Partial<Extract<PlanInput['targets'][number], { kind: 'agent' }>> = {},
) {
  return { id, kind: 'agent' as const, command: 'workload-agent', args, ...extra };
}

/** A small plan with fast cadences; guard rails relaxed so a busy CI box does not halt it. */
export function makePlan(overrides: Partial<PlanInput> & Pick<PlanInput, 'targets'>): Plan {
  return parsePlanObject({
    id: 'test-plan',
    title: 'Test plan',
    kind: 'concurrency',
    allowlist: ['workload-agent'],
    run: { maxDurationSec: 20 },
    pulses: { cadenceSec: 2, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 500 },
    thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
    ...overrides,
  });
}

export function newRun(plan: Plan, outDir: string, extra: Partial<RunContext> = {}): ProbeRun {
  const authority = new ConfirmationAuthority();
  const confirmation = authority.issue(plan, 'cli');
  return new ProbeRun({
    plan,
    planDir: path.join(resourcesDir(), 'plans'),
    confirmation,
    authority,
    outDir,
    resourcesDir: resourcesDir(),
    ...extra,
  });
}

/** Live processes whose environment names this run: what an orphan check must find none of. */
export function liveProcessesOfRun(runId: string): number[] {
  const needle = Buffer.from(`PROBE_LAB_RUN_ID=${runId}\0`);
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (fs.readFileSync(`/proc/${name}/environ`).includes(needle)) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The engine host over one fixed report folder, as the console sees it (settings are read-only here). */
export function hostOverFolder(out: string): LabHost {
  return createLabHost({
    settings: {
      get: () => ({ reportFolder: out, agents: [], labKernel: { kernel: null, initrd: null } }),
      set: () => {
        throw new Error('not in this test');
      },
    },
    resourcesDir: resourcesDir(),
    reportFolder: out,
  });
}
