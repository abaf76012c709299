/** The probe-lab command as a person runs it: real child processes, real signals, exit codes. */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { liveProcessesOfRun, tempDir, useTempHome, waitFor } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
let env: NodeJS.ProcessEnv;

function cli(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd, timeout: 60_000 });
}

function planFile(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'plan.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      id: 'cli-plan',
      title: 'CLI plan',
      kind: 'concurrency',
      allowlist: ['workload-agent'],
      targets: [
        {
          id: 'w',
          kind: 'agent',
          command: 'workload-agent',
          args: ['--run-sec', '30', '--children', '1'],
          count: 2,
        },
      ],
      run: { maxDurationSec: 40 },
      pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 } },
      snapshots: { cadenceSec: 1 },
      thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
      ...extra,
    }),
  );
  return file;
}

beforeAll(() => {
  useTempHome();
  env = { ...process.env };
});

describe('probe-lab CLI', () => {
  it('lists the bundled plans', () => {
    const r = cli(['plans']);
    expect(r.status).toBe(0);
    for (const id of [
      'concurrency',
      'duration',
      'footprint',
      'combined',
      'quick-concurrency',
      'quick-duration',
      'quick-footprint',
      'quick-combined',
    ])
      expect(r.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
  });

  it('refuses to start without the typed plan id, or with a wrong one, and starts nothing', () => {
    const out = tempDir();
    const none = cli(['run', 'quick-concurrency', '--out', out]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('CONFIRM_MISMATCH');
    const wrong = cli(['run', 'quick-concurrency', '--confirm', 'quick-duration', '--out', out]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/does not match the plan id "quick-concurrency"/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('plan check reports every problem with path and code, exit 2', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      'id: x\ntitle: t\nkind: warp\nallowlist: [workload-agent]\ntargets: []\nrun: {maxDurationSec: 0}\n',
    );
    const r = cli(['plan', 'check', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PLAN_INVALID');
    expect(r.stderr).toMatch(/- kind: \[invalid_value\]/);
    expect(r.stderr).toMatch(/- targets: \[too_small\]/);
    expect(r.stderr).toMatch(/- run\.maxDurationSec: \[too_small\]/);
    const good = cli(['plan', 'check', planFile(dir)]);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/Runs 2 x w: .*workload-agent\.mjs --run-sec 30/);
  });

  it('refuses an executable off the allowlist with a coded error, exit 2', () => {
    const dir = tempDir();
    const file = planFile(dir, {
      targets: [{ id: 'sh', kind: 'agent', command: '/bin/sh', args: ['-c', 'sleep 30'] }],
    });
    const r = cli(['run', file, '--confirm', 'cli-plan', '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('EXEC_NOT_ALLOWED');
    expect(fs.existsSync(path.join(dir, 'out', 'runs'))).toBe(false);
  });

  it('SIGINT halts the probe: exit 3, no process left, a signed report that verifies', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const child = spawn(
      process.execPath,
      [BIN, 'run', planFile(dir), '--confirm', 'cli-plan', '--out', out],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => /pulse 2 /.test(stdout), 20_000, 'a pulse during the run');
    const runId = /run (\S+) started/.exec(stdout)?.[1] as string;
    expect(liveProcessesOfRun(runId).length).toBeGreaterThanOrEqual(4);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(3);
    expect(stderr).toMatch(/halted: all processes stopped within \d+ ms/);
    expect(liveProcessesOfRun(runId)).toEqual([]);
    const report = /signed report: (\S+)/.exec(stdout)?.[1] as string;
    expect(stdout).toContain('verdict: HALTED');
    const v = cli(['verify', report]);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain('verified');
  });
});
