/**
 * Issue 12, recovery at every start, on real processes: a `probe-lab run` CLI whose /bin/sh target
 * daemonized three ways is killed with SIGKILL mid-probe; then `probe-lab serve` is started on the
 * same report folder and nothing else: no new probe. Serve's start alone must kill every leftover
 * and mark the run INTERRUPTED.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { INTERRUPTED_MARKER } from '../../main/safety/interrupted-runs';
import { detectContainment } from '../../main/safety/containment';
import { projectRoot } from '../../main/util/paths';
import { tempDir, useTempHome, waitFor } from './helpers';
import { daemonizingScript, withMarker } from './daemonizer';

const root = projectRoot();
let home: string;
let work: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  home = useTempHome();
  work = tempDir('probe-lab-contain-crash-');
  fs.writeFileSync(
    path.join(work, 'cli.mts'),
    `const { main } = await import(${JSON.stringify(path.join(root, 'main/cli/index.ts'))});\n` +
      'process.exitCode = await main(process.argv.slice(2));\n',
  );
  // serve needs a renderer build only to serve it; an index.html stands in (nothing here loads it).
  fs.mkdirSync(path.join(work, 'renderer'));
  fs.writeFileSync(path.join(work, 'renderer', 'index.html'), '<!doctype html>');
  fs.writeFileSync(
    path.join(work, 'serve.mts'),
    `const { serveCommand } = await import(${JSON.stringify(path.join(root, 'main/cli/serve.ts'))});\n` +
      `const io = { out: (s) => console.log(s), err: (s) => console.error(s) };\n` +
      `process.exitCode = await serveCommand(process.argv.slice(2), io, { rendererDir: ${JSON.stringify(path.join(work, 'renderer'))} });\n`,
  );
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function start(script: string, args: string[], env: Record<string, string> = {}) {
  const c = spawn(
    process.execPath,
    [path.join(root, 'bin', 'run-ts.mjs'), path.join(work, script), ...args],
    {
      cwd: work,
      env: { ...process.env, PROBE_LAB_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(c);
  let text = '';
  c.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  c.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { c, out: () => text };
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

function planObject(script: string) {
  return {
    id: 'crash-contain',
    title: 'Crash with daemons',
    kind: 'concurrency',
    allowlist: ['/bin/sh'],
    targets: [
      { id: 'rogue', kind: 'agent', command: '/bin/sh', args: ['-c', script], health: { type: 'alive' } },
    ],
    run: { maxDurationSec: 120 },
    pulses: { cadenceSec: 2, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 500 },
    thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
  };
}

async function crashThenServe(mode: string) {
  const nonce = crypto.randomBytes(4).readUInt32BE().toString();
  const { script, m, all } = daemonizingScript(nonce);
  const planFile = path.join(work, `plan-${mode}.json`);
  fs.writeFileSync(planFile, JSON.stringify(planObject(script)));
  const out = path.join(work, `reports-${mode}`);
  const victim = start('cli.mts', ['run', planFile, '--confirm', 'crash-contain', '--out', out], {
    PROBE_LAB_CONTAINMENT: mode,
  });
  await waitFor(() => withMarker(all).length === 4, 30_000, `4 sleeps (${victim.out()})`);
  victim.c.kill('SIGKILL');
  await exited(victim.c);
  const runId = fs.readdirSync(path.join(out, 'runs'))[0] as string;
  // The foreground sleep dies with its terminal; the three daemons live on, orphaned.
  await waitFor(() => withMarker(m.main).length === 0, 5000, 'the foreground sleep to hang up');
  const orphans = withMarker(all).length;

  const serve = start('serve.mts', ['--port', '0', '--reports', out]);
  await waitFor(() => serve.out().includes('Probe Lab console:'), 30_000, `serve to start (${serve.out()})`);
  const left = {
    setsid: withMarker(m.setsid),
    doubleFork: withMarker(m.doubleFork),
    envClear: withMarker(m.envClear),
  };
  const markerPath = path.join(out, 'runs', runId, INTERRUPTED_MARKER);
  const marker = fs.existsSync(markerPath)
    ? (JSON.parse(fs.readFileSync(markerPath, 'utf8')) as {
        verdict: string;
        foundBy: string;
        survivors: number[];
        killedPids: number[];
      })
    : null;
  serve.c.kill('SIGTERM');
  await exited(serve.c);
  console.log(
    `${mode}: ${orphans} daemon(s) orphaned by kill -9; after serve's start: setsid ${left.setsid.length}, double fork ${left.doubleFork.length}, env -i ${left.envClear.length}; marker ${JSON.stringify(marker)}`,
  );
  return { left, marker, all, serveOut: serve.out(), orphans };
}

/** POST /api/invoke/<channel> on a running serve, with its token. */
async function invoke(
  url: string,
  channel: string,
  input: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: unknown }> {
  const u = new URL(url);
  const res = await fetch(`${u.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${u.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as { ok: boolean; value?: unknown; error?: unknown };
}

/** serve's engine host: the child running bin/engine-host.mjs, where the probe (and its cgroup's owner) lives. */
function engineHostOf(servePid: number): number | null {
  for (const tid of fs.readdirSync(`/proc/${servePid}/task`)) {
    const kids = fs.readFileSync(`/proc/${servePid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean);
    for (const k of kids)
      if (fs.readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('engine-host')) return Number(k);
  }
  return null;
}

describe('kill -9 of serve and its engine host mid-probe (the probe runs in the engine host), then a restart of serve', () => {
  it('cgroup v2: the restarted serve kills every daemon of the probe its predecessor ran and marks it INTERRUPTED', async () => {
    const avail = detectContainment({ PROBE_LAB_CONTAINMENT: 'cgroup-v2' });
    if (avail.mode !== 'cgroup-v2') return void console.log(`skipped: ${avail.detail}`);
    const nonce = crypto.randomBytes(4).readUInt32BE().toString();
    const { script, m, all } = daemonizingScript(nonce);
    const out = path.join(work, 'reports-serve-victim');
    const plan = JSON.stringify({ ...planObject(script), id: 'serve-victim' });
    const first = start('serve.mts', ['--port', '0', '--reports', out]);
    try {
      await waitFor(() => /console: (http\S+)/.test(first.out()), 30_000, `serve (${first.out()})`);
      const url = (/console: (http\S+)/.exec(first.out()) as RegExpExecArray)[1] as string;
      const asked = await invoke(url, 'runs.requestStart', { plan: { text: plan } });
      const challenge = asked.value as { challengeId: string };
      expect(asked.ok, JSON.stringify(asked)).toBe(true);
      const started = await invoke(url, 'runs.answerChallenge', {
        challengeId: challenge.challengeId,
        typedPlanId: 'serve-victim',
      });
      expect(started.ok, JSON.stringify(started)).toBe(true);
      await waitFor(() => withMarker(all).length === 4, 30_000, '4 sleeps');
      // Both at once, as an OOM kill or a power-user `kill -9` of the group would: serve alone
      // would leave its engine host to halt the probe cleanly, which is not a crash.
      const engine = engineHostOf(first.c.pid as number);
      expect(engine).not.toBeNull();
      process.kill(engine as number, 'SIGKILL');
      first.c.kill('SIGKILL');
      await exited(first.c);
      await waitFor(() => withMarker(m.main).length === 0, 5000, 'the foreground sleep to hang up');
      expect(withMarker(all).length).toBe(3);
      const runId = fs.readdirSync(path.join(out, 'runs'))[0] as string;

      const second = start('serve.mts', ['--port', '0', '--reports', out]);
      await waitFor(
        () => second.out().includes('Probe Lab console:'),
        30_000,
        `serve again (${second.out()})`,
      );
      expect(withMarker(all)).toEqual([]);
      const marker = JSON.parse(
        fs.readFileSync(path.join(out, 'runs', runId, INTERRUPTED_MARKER), 'utf8'),
      ) as {
        verdict: string;
        foundBy: string;
        survivors: number[];
      };
      expect(marker.verdict).toBe('INTERRUPTED');
      expect(marker.foundBy).toBe('cgroup');
      expect(marker.survivors).toEqual([]);
      second.c.kill('SIGTERM');
      await exited(second.c);
    } finally {
      for (const p of withMarker(all)) process.kill(p, 'SIGKILL');
    }
  }, 90_000);
});

describe('kill -9 of serve alone mid-probe', () => {
  it('cgroup v2: its engine host sees serve go and halts the probe through the cgroup: 0 processes, before any restart', async () => {
    const avail = detectContainment({ PROBE_LAB_CONTAINMENT: 'cgroup-v2' });
    if (avail.mode !== 'cgroup-v2') return void console.log(`skipped: ${avail.detail}`);
    const nonce = crypto.randomBytes(4).readUInt32BE().toString();
    const { script, all } = daemonizingScript(nonce);
    const out = path.join(work, 'reports-serve-alone');
    const first = start('serve.mts', ['--port', '0', '--reports', out]);
    try {
      await waitFor(() => /console: (http\S+)/.test(first.out()), 30_000, `serve (${first.out()})`);
      const url = (/console: (http\S+)/.exec(first.out()) as RegExpExecArray)[1] as string;
      const plan = JSON.stringify({ ...planObject(script), id: 'serve-alone' });
      const asked = await invoke(url, 'runs.requestStart', { plan: { text: plan } });
      const challenge = asked.value as { challengeId: string };
      await invoke(url, 'runs.answerChallenge', {
        challengeId: challenge.challengeId,
        typedPlanId: 'serve-alone',
      });
      await waitFor(() => withMarker(all).length === 4, 30_000, '4 sleeps');
      first.c.kill('SIGKILL');
      await exited(first.c);
      await waitFor(() => withMarker(all).length === 0, 10_000, 'the engine host to halt the probe');
    } finally {
      for (const p of withMarker(all)) process.kill(p, 'SIGKILL');
    }
  }, 90_000);
});

describe('kill -9 mid-probe, then only a restart of serve', () => {
  it('cgroup v2: serve kills every daemon at start (found by the run cgroup) and marks the run INTERRUPTED', async () => {
    const avail = detectContainment({ PROBE_LAB_CONTAINMENT: 'cgroup-v2' });
    if (avail.mode !== 'cgroup-v2') return void console.log(`skipped: ${avail.detail}`);
    const r = await crashThenServe('cgroup-v2');
    try {
      expect(r.orphans).toBe(3);
      expect(withMarker(r.all)).toEqual([]);
      expect(r.marker?.verdict).toBe('INTERRUPTED');
      expect(r.marker?.foundBy).toBe('cgroup');
      expect(r.marker?.survivors).toEqual([]);
      expect(r.serveOut).toContain('recovered interrupted run');
    } finally {
      for (const p of withMarker(r.all)) process.kill(p, 'SIGKILL');
    }
  }, 90_000);

  it('process tree (weaker): serve kills the daemons that kept PROBE_LAB_RUN_ID but NOT the env -i one, and marks the run INTERRUPTED', async () => {
    const r = await crashThenServe('process-tree');
    try {
      expect(r.left.setsid).toEqual([]);
      expect(r.left.doubleFork).toEqual([]);
      expect(r.left.envClear.length).toBe(1);
      expect(r.marker?.verdict).toBe('INTERRUPTED');
      expect(r.marker?.foundBy).toBe('run id');
    } finally {
      for (const p of withMarker(r.all)) process.kill(p, 'SIGKILL');
    }
  }, 90_000);
});
