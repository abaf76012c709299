/** The probe-lab command as a person runs it: real child processes, real signals, exit codes. */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { liveProcessesOfRun, tempDir, useTempHome, waitFor } from './helpers';
import { keyFingerprint, loadOrCreateSigningKey, writeAllowedSigners } from '../../main/reports/keys';
import { signSshsig } from '../../main/reports/sshsig';

const BIN = path.resolve('bin/probe-lab.mjs');
let env: NodeJS.ProcessEnv;

function cli(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd, timeout: 60_000 });
}

/** The same as cli(), without blocking, so many short commands can run side by side. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Node prints a stack trace's frames as "    at fn (file:line:col)". */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

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

  it('plan check refuses a bad chaos section with PLAN_INVALID and the path; run refuses it before confirming', () => {
    const dir = tempDir();
    const chaos = {
      kind: 'chaos',
      chaos: { waves: [{ name: 'low', severity: 'extreme', scenarios: 0 }], failRate: 2 },
    };
    const r = cli(['plan', 'check', planFile(dir, chaos)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PLAN_INVALID');
    expect(r.stderr).toMatch(/- chaos\.waves\.0\.severity: \[invalid_value\]/);
    expect(r.stderr).toMatch(/- chaos\.waves\.0\.scenarios: \[too_small\]/);
    expect(r.stderr).toMatch(/- chaos\.failRate: \[too_big\]/);
    const out = path.join(dir, 'out');
    const run = cli(['run', path.join(dir, 'plan.json'), '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PLAN_INVALID');
    expect(run.stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
  });

  it("plan check and the preview list a chaos plan's waves; a kernel plan's pause", () => {
    const dir = tempDir();
    const chaos = {
      kind: 'chaos',
      chaos: {
        seed: 42,
        waves: [
          { name: 'warm', severity: 'low', scenarios: 1, pool: ['heartbeat-pause'] },
          { name: 'storm', severity: 'high', scenarios: 3 },
        ],
      },
    };
    const r = cli(['plan', 'check', planFile(dir, chaos)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Chaos: seed 42; fail rate 0%/);
    expect(r.stdout).toMatch(/Chaos wave 1 \(warm, low\): 1 scenario\(s\) at once from heartbeat-pause/);
    expect(r.stdout).toMatch(/Chaos wave 2 \(storm, high\): 3 scenario\(s\) at once/);
    const kernel = cli(['plan', 'check', 'resources/plans/quick-kernel.json']);
    expect(kernel.status).toBe(0);
    expect(kernel.stdout).toMatch(/Kernel pause: at 12 s .* for 2000 ms/);
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

describe('probe-lab CLI: help, version, suggestions, exit codes, closed pipes', () => {
  it('prints help with every flag and exits 0 for every command, at every level', async () => {
    const helps = [
      ['--help'],
      ['-h'],
      ['help'],
      ['help', 'run'],
      ['plans', '--help'],
      ['plan', '--help'],
      ['plan', 'check', '--help'],
      ['run', '--help'],
      ['run', '-h'],
      ['run', 'quick-concurrency', '--otu', 'x', '--help'],
      ['verify', '--help'],
      ['export-key', '--help'],
      ['serve', '--help'],
      ['lab-kernel', '--help'],
      ['lab-kernel', 'setup', '--help'],
      ['lab-kernel', 'status', '--help'],
      ['lab-kernel', 'boot-check', '--help'],
      ['check', '--help'],
      ['compare', '--help'],
      ['audit', '--help'],
      ['help', 'audit'],
    ];
    const results = await Promise.all(helps.map((argv) => cliAsync(argv)));
    results.forEach((r, i) => {
      expect({ argv: helps[i], status: r.status, stderr: r.stderr }).toEqual({
        argv: helps[i],
        status: 0,
        stderr: '',
      });
      expect(r.stdout).toMatch(/usage: probe-lab/);
    });
    const run = results[helps.findIndex((a) => a.join(' ') === 'run --help')]!.stdout;
    for (const flag of [
      '--confirm PLAN-ID',
      '--out DIR',
      '--json',
      '--seed N',
      '--fail-rate P',
      '-h, --help',
    ])
      expect(run).toContain(flag);
    expect(results[0]!.stdout).toMatch(/^\s+4 {2}internal error/m);
  }, 150_000);

  it('--version prints the version in package.json', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('refuses a mistyped flag with exit 2 and suggests the right one; nothing starts', () => {
    const out = tempDir();
    const r = cli(['run', 'quick-concurrency', '--confirm', 'quick-concurrency', '--otu', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'probe-lab: USAGE: unknown option --otu for probe-lab run; did you mean --out?',
    );
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(out, 'runs'))).toBe(false);
  });

  it('suggests the command and the plan id a typo meant, exit 2', async () => {
    const [cmd, plan, sub] = await Promise.all([
      cliAsync(['rnu', 'quick-concurrency']),
      cliAsync(['run', 'quick-concurency', '--confirm', 'quick-concurency']),
      cliAsync(['lab-kernel', 'stauts']),
    ]);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toContain('unknown command "rnu"; did you mean run?');
    expect(plan.status).toBe(2);
    expect(plan.stderr).toContain('PLAN_NOT_FOUND');
    expect(plan.stderr).toContain('did you mean quick-concurrency?');
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain('did you mean status?');
  });

  it('with --json, a refusal is one JSON document on stdout with the same exit code', () => {
    const r = cli(['run', 'quick-concurency', '--confirm', 'x', '--json']);
    expect(r.status).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; issues: unknown[] } };
    expect(doc.error.code).toBe('PLAN_NOT_FOUND');
    expect(doc.error.message).toContain('did you mean quick-concurrency?');
    expect(doc.error.issues).toEqual([]);
  });

  // A real internal error, not a fake: --out naming a regular file is not validated up front, so
  // the run's mkdir fails with EEXIST, an uncoded error. When that input gets its own coded
  // refusal, this test needs another real crash path.
  it('an internal error exits 4, not 1, with no stack trace and no process left behind', () => {
    const dir = tempDir();
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, '');
    const r = cli(['run', 'quick-concurrency', '--confirm', 'quick-concurrency', '--out', file]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^probe-lab: INTERNAL: EEXIST/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const runId = /run (\S+) started/.exec(r.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(liveProcessesOfRun(runId as string)).toEqual([]);
  });

  it('`probe-lab plans | head -1` prints one line and exits quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" plans | head -1`], {
      encoding: 'utf8',
      env,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('a stdout closed before the first line ends the command with 141 (128 + SIGPIPE), silently', () => {
    // The reader is gone before node has started, so the first write meets EPIPE every time.
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" plans | true; echo "status \${PIPESTATUS[0]}" >&2`],
      {
        encoding: 'utf8',
        env,
      },
    );
    expect(r.stderr).toBe('status 141\n');
  });

  it('a run whose stdout closes halts like SIGTERM: exit 3, no process left, a report that verifies', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const child = spawn(
      process.execPath,
      [BIN, 'run', planFile(dir), '--confirm', 'cli-plan', '--out', out],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => /pulse 1 /.test(stdout), 20_000, 'a pulse during the run');
    const runId = /run (\S+) started/.exec(stdout)?.[1] as string;
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(3);
    expect(stderr).toMatch(/halted: all processes stopped within \d+ ms/);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(liveProcessesOfRun(runId)).toEqual([]);
    const report = fs.readdirSync(out).find((f) => f.endsWith('.md'));
    expect(report).toBeDefined();
    expect(cli(['verify', path.join(out, report as string)]).status).toBe(0);
  }, 60_000);
});

describe('report trust through the CLI', () => {
  const HOSTILE = 'x\n\n## Verdict: PASS (injected)\n<img src=x onerror=alert(1)>\x1b]0;title\x07';
  const sshVerify = (allowed: string, file: string) =>
    spawnSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', allowed, '-I', 'probe-lab', '-n', 'probe-lab-report', '-s', `${file}.sig`],
      { input: fs.readFileSync(file) },
    );
  const shortPlan = (dir: string, extra: Record<string, unknown> = {}) =>
    planFile(dir, {
      targets: [{ id: 'w', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '4'], count: 1 }],
      run: { maxDurationSec: 20 },
      ...extra,
    });

  it('hostile governance file names are escaped; a swapped .md, a forgery and the trust flags all verify as they should', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const gov = tempDir('gov-');
    fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode on\n');

    // A FAIL run: a target-chosen file name appears in the governance folder mid-run.
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        shortPlan(dir, { governance: { folder: gov, sentinels: [] } }),
        '--confirm',
        'cli-plan',
        '--out',
        out,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    await waitFor(() => /pulse 2 /.test(stdout), 20_000, 'a pulse during the run');
    fs.writeFileSync(path.join(gov, HOSTILE), 'pwned\n');
    expect(await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))).toBe(1);
    const failMd = /signed report: (\S+)/.exec(stdout)?.[1] as string;
    const text = fs.readFileSync(failMd, 'utf8');
    expect(text).not.toMatch(/^#+ *Verdict: PASS/m);
    expect(text).not.toContain('<img');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).toContain('\\\\x1b');
    expect(text).toMatch(/\*\*Changed:\*\* .*x\\\\n\\\\n\\#\\# Verdict: PASS \(injected\)\\\\n&lt;img/);
    expect(cli(['verify', failMd]).status).toBe(0);

    // A PASS run in the same folder; nothing but reports is written beside them.
    const pass = cli(['run', shortPlan(dir), '--confirm', 'cli-plan', '--out', out]);
    expect(pass.status, pass.stderr).toBe(0);
    const passMd = /signed report: (\S+)/.exec(pass.stdout)?.[1] as string;
    expect(fs.existsSync(path.join(out, 'allowed_signers'))).toBe(false);

    // export-key writes the signer's line; stock ssh-keygen accepts the report with it.
    const exported = path.join(dir, 'signer.pub');
    expect(cli(['export-key', '--out', exported]).status).toBe(0);
    expect(fs.readFileSync(exported, 'utf8')).toMatch(/claim, not proof/);
    expect(sshVerify(exported, passMd).status).toBe(0);

    // The PASS .md and .md.sig copied over the FAIL run's names: REPORT_MISMATCH.
    fs.copyFileSync(passMd, failMd);
    fs.copyFileSync(`${passMd}.sig`, `${failMd}.sig`);
    const swapped = cli(['verify', failMd]);
    expect(swapped.status).toBe(1);
    expect(swapped.stdout).toContain('REPORT_MISMATCH');

    // A forgery: edited, re-signed (.md, .json and .html) with another key, allowed_signers beside it.
    const forger = loadOrCreateSigningKey(tempDir('forger-'));
    const passJson = passMd.replace(/\.md$/, '.json');
    const doc = JSON.parse(fs.readFileSync(passJson, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(passJson, JSON.stringify({ ...doc, signer: { openssh: forger.openssh } }));
    for (const f of [passMd, passJson, passMd.replace(/\.md$/, '.html')])
      fs.writeFileSync(`${f}.sig`, signSshsig(fs.readFileSync(f), forger.privateKey, 'probe-lab-report'));
    writeAllowedSigners(path.join(out, 'allowed_signers'), forger.openssh);
    const fp = keyFingerprint(forger.openssh) as string;
    const forged = cli(['verify', passMd]);
    expect(forged.status).toBe(1);
    expect(forged.stdout).toContain('UNTRUSTED_SIGNER');
    expect(forged.stdout).toContain(fp);
    expect(forged.stdout).not.toMatch(/^verified$/m);
    // The user's own trusted file refuses it too; only naming the forger's key trusts it.
    expect(sshVerify(path.join(env.PROBE_LAB_HOME as string, 'allowed_signers'), passMd).status).not.toBe(0);
    expect(cli(['verify', passMd, '--key', fp]).status).toBe(0);
    expect(cli(['verify', passMd, '--allowed-signers', forger.allowedSignersPath]).status).toBe(0);
    const badKey = cli(['verify', passMd, '--key', 'SHA256:nope']);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain('USAGE');
  }, 90_000);
});
