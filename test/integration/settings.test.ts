/**
 * Every setting changes something, through the host's contract (settings.set, then the effect), on
 * real files: the report folder (previews, runs and History, at once; --reports overrides it and
 * says so), registered agents (a plan names one), the registered lab kernel (`image: "registered"`).
 * And the CLI shares the console's folder: a `probe-lab run` without --out shows up in History,
 * and `verify` finds it by run id.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryRow, Reply, RunPreview, Settings } from '../../preload/contract';
import { createLabHost } from '../../main/host/lab-host';
import { createFileSettingsStore } from '../../main/host/settings-file';
import type { ConfirmMode, LabHost } from '../../main/host/host';
import { createTargets } from '../../main/run/targets';
import { parsePlanObject } from '../../main/model/plan';
import { resourcesDir } from '../../main/util/paths';
import { tempDir, useTempHome } from './helpers';

const mode: ConfirmMode = { kind: 'challenge' };
let home = '';

beforeAll(() => {
  home = useTempHome();
});

function newHost(reportFolder?: string): LabHost {
  return createLabHost({
    settings: createFileSettingsStore(path.join(home, 'settings.json')),
    resourcesDir: resourcesDir(),
    ...(reportFolder ? { reportFolder } : {}),
  });
}

async function call<T>(host: LabHost, channel: string, input: unknown): Promise<T> {
  const r = (await host.invoke(channel, input, mode)) as Reply<T>;
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value;
}

const planText = (target: object, allowlist: string[]) =>
  JSON.stringify({
    id: 'settings-plan',
    title: 'Settings plan',
    kind: 'concurrency',
    allowlist,
    targets: [target],
    run: { maxDurationSec: 10 },
  });

/** A History row's source: a report JSON as a run writes it (unsigned: History says so). */
function fakeReport(folder: string, runId: string): void {
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, `scale_probe_${runId}.json`),
    JSON.stringify({
      runId,
      plan: { id: 'p', title: 'P' },
      verdict: 'PASS',
      endedAt: Date.now(),
      tes: { probe: null },
      snapshots: { coverage: null },
    }),
  );
}

describe('the report folder', () => {
  it('settings.set applies at once: previews and History read the new folder; the answer names it', async () => {
    const host = newHost();
    const a = tempDir('reports-a-');
    const b = tempDir('reports-b-');
    fakeReport(b, 'run-in-b');
    const setA = await call<Settings>(host, 'settings.set', { reportFolder: a });
    expect(setA.effective).toEqual({ reportFolder: a, overriddenBy: null });
    const p1 = await call<RunPreview>(host, 'runs.preview', { plan: { id: 'quick-concurrency' } });
    expect(p1.targets[0]?.cwd.startsWith(path.join(a, 'runs'))).toBe(true);
    expect(await call<HistoryRow[]>(host, 'reports.list', {})).toEqual([]);
    await call<Settings>(host, 'settings.set', { reportFolder: b });
    const p2 = await call<RunPreview>(host, 'runs.preview', { plan: { id: 'quick-concurrency' } });
    expect(p2.targets[0]?.cwd.startsWith(path.join(b, 'runs'))).toBe(true);
    const rows = await call<HistoryRow[]>(host, 'reports.list', {});
    expect(rows.map((r) => r.reportPath)).toEqual([path.join(b, 'scale_probe_run-in-b.md')]);
    expect((await call<Settings>(host, 'settings.get', {})).effective?.reportFolder).toBe(b);
  });

  it('--reports overrides it, and the answer says so', async () => {
    const forced = tempDir('reports-forced-');
    const host = newHost(forced);
    const s = await call<Settings>(host, 'settings.set', { reportFolder: tempDir('reports-ignored-') });
    expect(s.effective).toEqual({ reportFolder: forced, overriddenBy: 'probe-lab serve --reports' });
  });
});

describe('registered agents', () => {
  it('a plan names a registered agent as its command; the allowlist allows it by that name', async () => {
    const host = newHost();
    await call<Settings>(host, 'settings.set', { agents: [] });
    const text = planText({ id: 'a', kind: 'agent', command: 'my-agent', health: { type: 'alive' } }, [
      'my-agent',
    ]);
    const before = await call<{ valid: boolean; issues: { code: string }[] }>(host, 'plans.check', { text });
    expect(before.valid).toBe(false);
    expect(before.issues[0]?.code).toBe('EXEC_NOT_FOUND');
    await call<Settings>(host, 'settings.set', { agents: [{ name: 'my-agent', command: process.execPath }] });
    const after = await call<{ valid: boolean }>(host, 'plans.check', { text });
    expect(after.valid).toBe(true);
    const preview = await call<RunPreview>(host, 'runs.preview', { plan: { text } });
    expect(preview.targets[0]?.argv[0]).toBe(fs.realpathSync(process.execPath));
    // Still the plan's allowlist: a registered agent the plan does not list is refused.
    const unlisted = planText({ id: 'a', kind: 'agent', command: 'my-agent' }, ['workload-agent']);
    const refused = await call<{ valid: boolean; issues: { code: string }[] }>(host, 'plans.check', {
      text: unlisted,
    });
    expect(refused.issues[0]?.code).toBe('EXEC_NOT_ALLOWED');
  });
});

describe('the registered lab kernel', () => {
  it('image "registered" boots the Settings kernel and initrd, and is refused while none is set', async () => {
    const host = newHost();
    await call<Settings>(host, 'settings.set', { labKernel: { kernel: null, initrd: null } });
    const target = { id: 'k', kind: 'lab-kernel', image: 'registered' };
    const text = planText(target, ['qemu-system-x86_64']);
    const none = await host.invoke('runs.preview', { plan: { text } }, mode);
    expect(none).toMatchObject({ ok: false, error: { code: 'KERNEL_NOT_REGISTERED' } });
    const dir = tempDir('kernel-');
    const kernel = path.join(dir, 'vmlinuz');
    const initrd = path.join(dir, 'initrd.img');
    fs.writeFileSync(kernel, 'k');
    fs.writeFileSync(initrd, 'i');
    const set = await call<Settings>(host, 'settings.set', { labKernel: { kernel, initrd } });
    const preview = await call<RunPreview>(host, 'runs.preview', { plan: { text } });
    expect(preview.targets[0]?.resolved).toContain(`registered in Settings: ${kernel}, initrd ${initrd}`);
    // The kernel target that a run creates gets exactly those paths (the factory is the run's seam).
    let booted: unknown = null;
    const [prepared] = createTargets(parsePlanObject(JSON.parse(text)), {
      planDir: dir,
      resourcesDir: resourcesDir(),
      registered: { agents: set.agents, labKernel: set.labKernel },
      kernelTarget: (spec) => {
        booted = spec.image;
        throw new Error('not booted in this test');
      },
    });
    expect(() => prepared?.create({ seen: () => [] })).toThrow('not booted');
    expect(booted).toEqual({ kernel, initrd });
  });
});

describe('one report folder for the CLI and the console', () => {
  it('probe-lab run without --out writes to the Settings folder: History lists it, verify finds it by run id', async () => {
    const folder = tempDir('shared-reports-');
    fs.writeFileSync(
      path.join(home, 'settings.json'),
      JSON.stringify({ reportFolder: folder, agents: [], labKernel: { kernel: null, initrd: null } }),
    );
    const cwd = tempDir('cli-cwd-');
    const plan = path.join(cwd, 'plan.json');
    fs.writeFileSync(
      plan,
      planText({ id: 'w', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '0.3'] }, [
        'workload-agent',
      ]).replace(
        '"run":{"maxDurationSec":10}',
        '"run":{"maxDurationSec":10},"thresholds":{"guard":{"cpuPct":100,"ramPct":100,"gpuPct":100,"windowSec":3600}}',
      ),
    );
    const env = { ...process.env, PROBE_LAB_HOME: home };
    const bin = path.resolve('bin/probe-lab.mjs');
    const r = spawnSync(process.execPath, [bin, 'run', plan, '--confirm', 'settings-plan', '--json'], {
      encoding: 'utf8',
      env,
      cwd,
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/Error/);
    expect(fs.existsSync(path.join(cwd, 'reports'))).toBe(false);
    const rows = await call<HistoryRow[]>(newHost(), 'reports.list', {});
    expect(rows).toHaveLength(1);
    expect(rows[0]?.reportPath.startsWith(folder)).toBe(true);
    const runId = JSON.parse(r.stdout).runId as string;
    const v = spawnSync(process.execPath, [bin, 'verify', runId], { encoding: 'utf8', env, cwd });
    expect(v.stdout).toMatch(/verified/);
    expect(v.status).toBe(0);
  }, 90_000);
});
