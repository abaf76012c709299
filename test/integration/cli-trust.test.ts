/**
 * Issue 13, confirmation half, as a person runs the CLI: a plan cannot hide what it runs behind
 * env vars or terminal control sequences, and a too-deep plan is refused as invalid input.
 * Real child processes; the "attacker's" code is a real --require file that would leave a marker.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, useTempHome } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
let env: NodeJS.ProcessEnv;

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 90_000 });
}

function writePlan(dir: string, plan: Record<string, unknown>): string {
  const file = path.join(dir, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan));
  return file;
}

const base = (extra: Record<string, unknown> = {}, target: Record<string, unknown> = {}) => ({
  id: 'evil',
  title: 'Evil',
  kind: 'concurrency',
  allowlist: ['workload-agent'],
  targets: [{ id: 'w', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '1'], ...target }],
  run: { maxDurationSec: 8 },
  pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 } },
  snapshots: { cadenceSec: 1 },
  thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
  ...extra,
});

/** Bytes that let text rewrite a terminal or reorder what a person reads. */
const RAW_CONTROL = /[\x1b\r\x07\u202e\u2066-\u2069\u200b]/;

beforeAll(() => {
  useTempHome();
  env = { ...process.env };
});

describe('env that changes what an allowed executable loads', () => {
  it('NODE_OPTIONS=--require is refused before anything is spawned, by run and by plan check', () => {
    const dir = tempDir();
    const marker = path.join(dir, 'PWNED');
    const evil = path.join(dir, 'evil.cjs');
    fs.writeFileSync(evil, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');`);
    const file = writePlan(dir, base({}, { env: { NODE_OPTIONS: `--require ${evil}` } }));
    const out = tempDir();
    const run = cli(['run', file, '--confirm', 'evil', '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PLAN_ENV_REFUSED');
    expect(run.stderr).toContain('NODE_OPTIONS');
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.readdirSync(out)).toEqual([]);
    const check = cli(['plan', 'check', file]);
    expect(check.status).toBe(2);
    expect(check.stderr).toContain('PLAN_ENV_REFUSED');
  });

  it('LD_PRELOAD, PYTHONPATH, BASH_ENV and a PROBE_LAB_* override are refused too; PROBE_LAB_* even when allowed', () => {
    const dir = tempDir();
    for (const [name, allow] of [
      ['LD_PRELOAD', false],
      ['PYTHONPATH', false],
      ['BASH_ENV', false],
      ['GIT_SSH_COMMAND', false],
      ['PROBE_LAB_RUN_ID', true],
    ] as const) {
      const file = writePlan(dir, base(allow ? { allowEnv: [name] } : {}, { env: { [name]: '/tmp/x' } }));
      const r = cli(['plan', 'check', file]);
      expect(r.status, name).toBe(2);
      // Probe Lab's own variables have their own code: no allow list can ever let them through.
      expect(r.stderr, name).toContain(
        name.startsWith('PROBE_LAB_') ? 'PLAN_ENV_RESERVED' : 'PLAN_ENV_REFUSED',
      );
    }
  });

  it('allowed through allowEnv, it is shown with its value in a WARNING line', () => {
    const dir = tempDir();
    const file = writePlan(
      dir,
      base({ allowEnv: ['NODE_OPTIONS'] }, { env: { NODE_OPTIONS: '--require /tmp/evil.cjs', FOO: 'a b' } }),
    );
    const r = cli(['plan', 'check', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/WARNING: target w sets NODE_OPTIONS='--require \/tmp\/evil\.cjs'/);
    expect(r.stdout).toContain("env set by the plan: NODE_OPTIONS='--require /tmp/evil.cjs' FOO='a b'");
    expect(r.stdout).toMatch(/working folder: .*runs\/<run id>\/agents\/w/);
    expect(r.stdout).toContain('Containment: ');
  });
});

describe('no raw control byte reaches the terminal from a plan or a target', () => {
  const hostile = ['\r', '\x1b[2K', '\x1b]0;title\x07', '\u202e'];
  const hostilePlan = () =>
    base(
      { title: `Calm ${hostile.join(' ')}`, allowlist: ['workload-agent', `work\rload\x1b[2K\u202e`] },
      { args: ['--run-sec', '1', ...hostile.map((h) => `x${h}y`), 'a;b', 'a ; b'] },
    );

  it('plan check and a refused run show the hostile text escaped; argv is shell-quoted', () => {
    const file = writePlan(tempDir(), hostilePlan());
    const check = cli(['plan', 'check', file]);
    expect(check.status).toBe(0);
    const refused = cli(['run', file, '--confirm', 'wrong', '--out', tempDir()]);
    expect(refused.status).toBe(2);
    for (const text of [check.stdout, check.stderr, refused.stdout, refused.stderr])
      expect(RAW_CONTROL.test(text), JSON.stringify(text)).toBe(false);
    expect(check.stdout).toContain(String.raw`Calm \r \x1b[2K \x1b]0;title\x07 \u202e`);
    expect(check.stdout).toContain(String.raw`$'x\x1b]0;title\x07y' $'x\u202ey' 'a;b' 'a ; b'`);
    expect(check.stdout).toContain(
      String.raw`Allowed executables: workload-agent, $'work\rload\x1b[2K\u202e'.`,
    );
  });

  it('an executable path with control sequences is escaped in the coded error too', () => {
    const bad = '/nonexistent/\x1b]0;owned\x07\x1b[2K\r';
    const file = writePlan(tempDir(), base({ allowlist: [bad] }, { command: bad }));
    const r = cli(['run', file, '--confirm', 'evil', '--out', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(String.raw`\x1b]0;owned\x07\x1b[2K\r`);
    expect(RAW_CONTROL.test(r.stdout + r.stderr)).toBe(false);
  });

  it('verify prints a hostile report name escaped', () => {
    const dir = tempDir();
    const report = path.join(dir, 'r\x1b]0;owned\x07\u202e.md');
    fs.writeFileSync(report, '# not a report\n');
    const r = cli(['verify', report]);
    expect(r.status).not.toBe(0);
    expect(RAW_CONTROL.test(r.stdout + r.stderr), JSON.stringify(r.stdout + r.stderr)).toBe(false);
    expect(r.stdout + r.stderr).toContain(String.raw`r\x1b]0;owned\x07\u202e.md`);
  });

  it('a real run with hostile args prints live lines, events and anomalies escaped', () => {
    const file = writePlan(tempDir(), hostilePlan());
    const r = cli(['run', file, '--confirm', 'evil', '--out', tempDir()]);
    // Any verdict (its short task may end INCOMPLETE): what matters here is what reached the terminal.
    expect([0, 1, 3, 5]).toContain(r.status);
    expect(r.stdout).toContain('started; Ctrl-C halts it');
    expect(RAW_CONTROL.test(r.stdout), JSON.stringify(r.stdout)).toBe(false);
    expect(RAW_CONTROL.test(r.stderr), JSON.stringify(r.stderr)).toBe(false);
  }, 60_000);
});

describe('plan size and depth', () => {
  it('5000-deep nesting is PLAN_INVALID with exit 2, not INTERNAL', () => {
    const dir = tempDir();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const json = path.join(dir, 'deep.json');
    fs.writeFileSync(json, JSON.stringify(base({ chaos: 0 })).replace('"chaos":0', `"chaos":${deep}`));
    const yaml = path.join(dir, 'deep.yaml');
    fs.writeFileSync(
      yaml,
      `id: p\ntitle: T\nkind: concurrency\nallowlist: [workload-agent]\ntargets: [{id: a, kind: agent, command: workload-agent}]\nrun: {maxDurationSec: 10}\nchaos: ${deep}\n`,
    );
    for (const f of [json, yaml]) {
      const r = cli(['plan', 'check', f]);
      expect(r.status, f).toBe(2);
      expect(r.stderr, f).toContain('PLAN_INVALID');
    }
  });
});
