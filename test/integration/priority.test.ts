/**
 * The engine's priority against its targets (main/lab/priority.ts), through the real CLI: a target
 * that burns CPU runs at the priority the engine was started with, its children too, while
 * the engine itself runs raised, and the report says so. No timing is asserted here (the pulse
 * bench measures punctuality under load); what is checked is what the scheduler was told.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir, useTempHome } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
const isRoot = process.getuid?.() === 0;
const SETPRIV = '/usr/bin/setpriv';
const NOBODY = 65534;

/** Field 19 of /proc/<pid>/stat: the nice value (null once the process is gone). */
function niceOf(pid: number): number | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null;
  }
}

/**
 * A target that misbehaves: it writes its own nice and a child's, keeps a core busy, then stays
 * until the run's max duration stops it.
 */
// /proc/self, not /proc/$$: in a PID namespace (the containment without root) $$ is the
// namespace's pid, and /proc is the host's.
const SCRIPT = [
  "awk '{print $19}' /proc/self/stat > nice-self.txt",
  "sh -c 'cat /proc/self/stat' | awk '{print $19}' > nice-child.txt",
  'echo niced-and-busy',
  // One core for one second: enough to be the load, short enough to take little from the tests
  // that run beside this file.
  "timeout 1 sh -c 'while :; do :; done'",
  'exec sleep 30',
].join('\n');

async function runBusyTarget(
  work: string,
  env: Record<string, string>,
  asUser: string[] = [],
): Promise<{ engineNice: number | null; self: number; child: number; detail: string }> {
  const planFile = path.join(work, 'plan.json');
  fs.writeFileSync(
    planFile,
    JSON.stringify({
      id: 'priority-plan',
      title: 'A target that burns CPU',
      kind: 'concurrency',
      allowlist: ['/bin/sh'],
      targets: [{ id: 'busy', kind: 'agent', command: '/bin/sh', args: ['-c', SCRIPT] }],
      run: { maxDurationSec: 2 },
      pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
      snapshots: { cadenceSec: 1 },
      sampling: { intervalMs: 500 },
      thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
    }),
  );
  const out = path.join(work, 'out');
  const [file, ...args] = [
    ...asUser,
    process.execPath,
    BIN,
    'run',
    planFile,
    '--confirm',
    'priority-plan',
    '--out',
    out,
  ];
  const engine = spawn(file as string, args, {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  // The engine raises itself once its bundle has loaded: the last value read while it ran.
  let engineNice: number | null = null;
  const watch = setInterval(() => (engineNice = niceOf(engine.pid as number) ?? engineNice), 100);
  await new Promise((resolve) => engine.on('close', resolve));
  clearInterval(watch);
  const run = fs.readdirSync(path.join(out, 'runs'))[0] as string;
  const agentDir = path.join(out, 'runs', run, 'agents', 'busy');
  const read = (f: string) => Number(fs.readFileSync(path.join(agentDir, f), 'utf8').trim());
  const report = fs.readdirSync(out).find((f) => f.endsWith('.json') && !f.endsWith('.results.json'));
  const doc = JSON.parse(fs.readFileSync(path.join(out, report as string), 'utf8')) as {
    containment: { detail: string };
  };
  return {
    engineNice,
    self: read('nice-self.txt'),
    child: read('nice-child.txt'),
    detail: doc.containment.detail,
  };
}

beforeAll(() => {
  useTempHome();
  // The engine bundle is built (or found fresh) here, as root: a user who may not write out/
  // then runs the same bundle.
  spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
});

describe('engine priority', () => {
  const started = os.getPriority(0);

  it.skipIf(!isRoot || started <= -20)(
    'raises the engine and starts a CPU-burning target and its children at the priority it was started with',
    async () => {
      const r = await runBusyTarget(tempDir('prio-raised'), {});
      expect(r.engineNice).toBe(Math.max(-20, started - 10));
      expect(r.self).toBe(started);
      expect(r.child).toBe(started);
      expect(r.detail).toContain(
        `engine raised to nice ${Math.max(-20, started - 10)}, targets started at nice ${started}`,
      );
    },
    30_000,
  );

  it.skipIf(!isRoot || !fs.existsSync(SETPRIV))(
    'as a user who may not raise it, runs engine and targets at the default and says why',
    async () => {
      // uid 65534 (nobody) has RLIMIT_NICE 0, as a desktop user usually does.
      const work = tempDir('prio-user');
      const home = path.join(work, 'home');
      fs.mkdirSync(home);
      for (const d of [work, home]) fs.chownSync(d, NOBODY, NOBODY);
      const r = await runBusyTarget(work, { PROBE_LAB_HOME: home, HOME: home }, [
        SETPRIV,
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        '--',
      ]);
      expect(r.engineNice).toBe(started);
      expect(r.self).toBe(started);
      expect(r.child).toBe(started);
      expect(r.detail).toContain(`engine and targets at nice ${started} (raising it was refused: EACCES)`);
    },
    30_000,
  );

  it('keeps the default when asked to, and says why', async () => {
    const r = await runBusyTarget(tempDir('prio-default'), { PROBE_LAB_ENGINE_PRIORITY: 'default' });
    expect(r.engineNice).toBe(started);
    expect(r.self).toBe(started);
    expect(r.child).toBe(started);
    expect(r.detail).toContain(`engine and targets at nice ${started} (PROBE_LAB_ENGINE_PRIORITY=default)`);
  }, 30_000);
});
