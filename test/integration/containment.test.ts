/**
 * Issue 12, containment, on real processes: a /bin/sh target that misbehaves on purpose daemonizes
 * three ways (setsid in a subshell, a double fork, and `env -i setsid` which also drops
 * PROBE_LAB_RUN_ID), then sleeps in the foreground. Each of its processes carries a marker in its
 * argv unique to the test (`sleep 3001.<nonce>`), so leftovers are found without trusting any of
 * the code under test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { agentEnv } from '../../main/run/targets';
import { parsePlanObject } from '../../main/model/plan';
import { LabError } from '../../main/util/errors';
import { detectContainment, RunContainment } from '../../main/safety/containment';
import { sweepOrphanRunCgroups } from '../../main/safety/orphan-cgroups';
import { buildPreview } from '../../main/run/preview';
import { resourcesDir } from '../../main/util/paths';
import { makePlan, newRun, sleep, tempDir, useTempHome, waitFor } from './helpers';
import { daemonizingScript, kill9, withMarker } from './daemonizer';

let work: string;
beforeAll(() => {
  useTempHome();
  work = tempDir('probe-lab-contain-');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.PROBE_LAB_CONTAINMENT;
});

function shPlan(script: string, id = 'contain-plan') {
  return makePlan({
    id,
    allowlist: ['/bin/sh'],
    targets: [
      { id: 'rogue', kind: 'agent', command: '/bin/sh', args: ['-c', script], health: { type: 'alive' } },
    ],
    run: { maxDurationSec: 30 },
  });
}

async function haltDaemonizer(mode: string) {
  process.env.PROBE_LAB_CONTAINMENT = mode;
  const nonce = crypto.randomBytes(4).readUInt32BE().toString();
  const { script, m, all } = daemonizingScript(nonce);
  const run = newRun(shPlan(script), path.join(work, `out-${mode}`));
  const done = run.run();
  await waitFor(
    () => withMarker(m.envClear).length === 1 && withMarker(m.main).length === 1,
    15_000,
    'daemons',
  );
  // All four are up: 3 daemons outside the tree, the foreground sleep inside it.
  expect(withMarker(all).length).toBe(4);
  // Long enough for samples to see the daemons (sampling every 500 ms).
  await sleep(1200);
  const halted = await run.halt('test halt');
  const result = await done;
  return { run, halted, result, m, all };
}

describe('cgroup containment: Halt reaches every daemon', () => {
  for (const mode of ['cgroup-v2', 'cgroup-v1'] as const) {
    it(`${mode}: a target that daemonizes three ways (setsid, double fork, env -i setsid) leaves 0 processes after Halt`, async () => {
      const avail = detectContainment({ PROBE_LAB_CONTAINMENT: mode });
      if (avail.mode !== mode) return void console.log(`skipped: ${mode} not available (${avail.detail})`);
      const { run, halted, result, all } = await haltDaemonizer(mode);
      try {
        expect(run.containment?.info.mode).toBe(mode);
        expect(withMarker(all)).toEqual([]);
        expect(halted.survivors).toEqual([]);
        expect(halted.stoppedWithinMs).toBeLessThan(2000);
        // The report says which containment was in force.
        const doc = JSON.parse(fs.readFileSync(result.report.json, 'utf8')) as {
          containment: { label: string };
        };
        expect(doc.containment.label).toBe(mode === 'cgroup-v2' ? 'cgroup v2' : 'cgroup v1');
        expect(fs.readFileSync(result.report.markdown, 'utf8')).toContain(
          `Containment: **${doc.containment.label}**`,
        );
        // Sampling read the cell: the daemons outside the tree were counted as the target's.
        const ledger = fs.readFileSync(path.join(run.runDir, 'ledger.jsonl'), 'utf8');
        expect(ledger).toMatch(/"processes":[4-9]/);
        // Recorded in the ledger at run start.
        expect(ledger.split('\n').find((l) => l.includes('"type":"run.start"'))).toContain(
          `"label":"${doc.containment.label}"`,
        );
        // The run's cgroup is gone.
        const parent = run.containment?.info.parent as string;
        expect(fs.readdirSync(parent).filter((d) => d.startsWith(run.runId))).toEqual([]);
      } finally {
        kill9(withMarker(all));
      }
    }, 60_000);
  }
});

describe('pid namespace, where no cgroup can be made (forced with PROBE_LAB_CONTAINMENT=pid-namespace)', () => {
  const avail = () => detectContainment({ PROBE_LAB_CONTAINMENT: 'pid-namespace' });
  it('a target that daemonizes three ways leaves 0 processes after Halt, and the report names the containment', async () => {
    if (avail().mode !== 'pid-namespace') return void console.log(`skipped: ${avail().detail}`);
    const { run, halted, result, all } = await haltDaemonizer('pid-namespace');
    try {
      expect(run.containment?.info.mode).toBe('pid-namespace');
      expect(withMarker(all)).toEqual([]);
      expect(halted.survivors).toEqual([]);
      expect(halted.stoppedWithinMs).toBeLessThan(2000);
      const doc = JSON.parse(fs.readFileSync(result.report.json, 'utf8')) as {
        containment: { label: string; detail: string };
      };
      expect(doc.containment.label).toBe('pid namespace (no cgroup)');
      expect(doc.containment.detail).toContain('unshare');
      // Orphans are reparented to the target (the namespace's init): the tree walk counted them.
      const ledger = fs.readFileSync(path.join(run.runDir, 'ledger.jsonl'), 'utf8');
      expect(ledger).toMatch(/"processes":[4-9]/);
    } finally {
      kill9(withMarker(all));
    }
  }, 60_000);

  it('kill -9 of the engine mid-probe leaves 0 processes, before any recovery runs', async () => {
    if (avail().mode !== 'pid-namespace') return void console.log(`skipped: ${avail().detail}`);
    const nonce = crypto.randomBytes(4).readUInt32BE().toString();
    const { script, m, all } = daemonizingScript(nonce);
    const planFile = path.join(work, 'pidns-kill9.json');
    fs.writeFileSync(planFile, JSON.stringify(shPlan(script, 'pidns-kill9')));
    const engine = spawn(
      process.execPath,
      [
        path.resolve('bin/probe-lab.mjs'),
        'run',
        planFile,
        '--confirm',
        'pidns-kill9',
        '--out',
        path.join(work, 'out-pidns-kill9'),
      ],
      { env: { ...process.env, PROBE_LAB_CONTAINMENT: 'pid-namespace' }, stdio: 'ignore' },
    );
    try {
      await waitFor(
        () => withMarker(m.envClear).length === 1 && withMarker(m.main).length === 1,
        20_000,
        'daemons',
      );
      engine.kill('SIGKILL');
      // The engine's end closes the pty; the hangup ends unshare, which takes the namespace down.
      await waitFor(() => withMarker(all).length === 0, 3000, 'every process of the namespace gone');
    } finally {
      engine.kill('SIGKILL');
      kill9(withMarker(all));
    }
  }, 60_000);
});

describe('process tree (weaker) fallback, forced with PROBE_LAB_CONTAINMENT=process-tree', () => {
  it('Halt catches the setsid and double-fork daemons (by run id in their environment) but NOT the env -i setsid daemon', async () => {
    const { run, m, all, result } = await haltDaemonizer('process-tree');
    try {
      expect(run.containment?.info.label).toBe('process tree (weaker)');
      expect(withMarker(m.setsid)).toEqual([]);
      expect(withMarker(m.doubleFork)).toEqual([]);
      expect(withMarker(m.main)).toEqual([]);
      // The honest gap: out of the tree and out of the run's environment, nothing finds it.
      expect(withMarker(m.envClear).length).toBe(1);
      const doc = JSON.parse(fs.readFileSync(result.report.json, 'utf8')) as {
        containment: { label: string };
      };
      expect(doc.containment.label).toBe('process tree (weaker)');
    } finally {
      kill9(withMarker(all));
    }
  }, 60_000);
});

describe('the start-up sweep', () => {
  it("never touches a live run's cgroup (its owner is alive), and the preview names the containment", async () => {
    const nonce = crypto.randomBytes(4).readUInt32BE().toString();
    const { script, m, all } = daemonizingScript(nonce);
    const plan = shPlan(script, 'sweep-live');
    const preview = buildPreview(plan, { planDir: work, resourcesDir: resourcesDir() });
    expect(
      preview.lines.some((l) => /^Containment: (cgroup v2|cgroup v1|process tree \(weaker\)) \(/.test(l)),
    ).toBe(true);
    const run = newRun(plan, path.join(work, 'out-sweep'));
    const done = run.run();
    try {
      await waitFor(
        () => withMarker(m.envClear).length === 1 && withMarker(m.main).length === 1,
        15_000,
        'daemons',
      );
      const swept = await sweepOrphanRunCgroups();
      expect(swept.filter((s) => s.runId === run.runId)).toEqual([]);
      expect(withMarker(all).length).toBe(4);
    } finally {
      await run.halt('test over');
      await done;
      kill9(withMarker(all));
    }
  }, 60_000);
});

describe('a cell', () => {
  it('cgroup freeze stops every process of the cell, daemons included, and thaw resumes them', async () => {
    const c = RunContainment.open(`freeze-${Date.now()}`);
    if (!c.contained) return void console.log(`skipped: ${c.info.detail}`);
    const cell = c.cellFor('t') as NonNullable<ReturnType<typeof c.cellFor>>;
    const { spawn } = await import('node:child_process');
    const nonce = crypto.randomBytes(4).readUInt32BE().toString();
    const child = spawn('/bin/sh', [
      '-c',
      `echo $$ > ${cell.procsFiles()[0]}; (setsid sleep 3001.${nonce}1 &); exec sleep 3001.${nonce}2`,
    ]);
    try {
      await waitFor(() => withMarker(`3001.${nonce}`).length === 2, 5000, 'two sleeps');
      expect(await cell.freeze()).toBe(true);
      const states = () =>
        withMarker(`3001.${nonce}`).map(
          (p) => fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0],
        );
      // A frozen task shows as D (v2) or D/S with the freezer; never R. What matters: kill still works after thaw.
      expect(cell.pids().length).toBe(2);
      cell.thaw();
      await sleep(50);
      expect(states().length).toBe(2);
    } finally {
      await c.close();
      child.kill('SIGKILL');
    }
    expect(withMarker(`3001.${nonce}`)).toEqual([]);
  }, 20_000);
});

describe('a plan cannot override the variables Probe Lab sets', () => {
  it('a plan whose env sets PROBE_LAB_RUN_ID is refused at parse time with PLAN_ENV_RESERVED', () => {
    let err: unknown;
    try {
      parsePlanObject({
        ...JSON.parse(JSON.stringify(shPlan('true'))),
        targets: [
          {
            id: 'a',
            kind: 'agent',
            command: '/bin/sh',
            args: ['-c', 'true'],
            env: { PROBE_LAB_RUN_ID: 'someone-else' },
          },
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('PLAN_ENV_RESERVED');
    expect((err as LabError).message).toContain('targets[0].env.PROBE_LAB_RUN_ID');
  });

  it('an unknown PROBE_LAB_CONTAINMENT is a coded error, not a silent default', () => {
    expect(() => detectContainment({ PROBE_LAB_CONTAINMENT: 'cgroup-v3' })).toThrow(
      expect.objectContaining({ code: 'CONTAINMENT_INVALID' }),
    );
  });

  it("agentEnv applies the plan's env before Probe Lab's own ids", () => {
    const env = agentEnv(
      { PROBE_LAB_RUN_ID: 'forged', PROBE_LAB_TARGET_ID: 'forged', FOO: 'bar' },
      { runId: 'real', targetId: 't' },
    );
    expect(env.PROBE_LAB_RUN_ID).toBe('real');
    expect(env.PROBE_LAB_TARGET_ID).toBe('t');
    expect(env.FOO).toBe('bar');
  });
});
