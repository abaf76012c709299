import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../preload/contract';
import type { SettingsStore } from '../host/host';
import { createTestHost, type TestHost } from '../web/test-host';
import { serveCommand, type ServeDeps } from './serve';

let dir: string;
let out: string[];
let err: string[];
const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
const savedHome = process.env.PROBE_LAB_HOME;

function memorySettings(): SettingsStore {
  let s: Settings = { reportFolder: '/from/settings', agents: [], labKernel: { kernel: null, initrd: null } };
  return { get: () => s, set: (patch) => (s = { ...s, ...patch }) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-lab-serve-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><div id="root"></div>');
  process.env.PROBE_LAB_HOME = join(dir, 'home');
  out = [];
  err = [];
});

afterEach(() => {
  process.env.PROBE_LAB_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});

/** Live child processes of this test process running bin/engine-host.mjs. */
function engineHostChildren(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8');
        return Number(fields[1]) === process.pid && fields[0] !== 'Z' && cmd.includes('engine-host.mjs');
      } catch {
        return false;
      }
    })
    .map(Number);
}

function deps(host: TestHost, seen: { reportFolder?: string }, signal: AbortSignal): ServeDeps {
  return {
    rendererDir: join(dir, 'renderer'),
    createSettings: memorySettings,
    createHost: (opts) => {
      seen.reportFolder = opts.reportFolder;
      return host;
    },
    signal,
  };
}

describe('serveCommand', () => {
  it('prints the address with its token, serves the host, and halts everything on stop', async () => {
    const host = createTestHost(() => ({ ok: true, value: [] }));
    const stop = new AbortController();
    const seen: { reportFolder?: string } = {};
    const done = serveCommand(
      ['--port', '0', '--reports', join(dir, 'reports')],
      io,
      deps(host, seen, stop.signal),
    );
    await expect.poll(() => out.length).toBeGreaterThan(0);
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(out[0] ?? '')?.[0];
    expect(url).toBeDefined();
    const { origin, searchParams } = new URL(url as string);
    const res = await fetch(`${origin}/api/invoke/runs.list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${searchParams.get('token')}` },
      body: '{}',
    });
    expect(await res.json()).toEqual({ ok: true, value: [] });
    expect(seen.reportFolder).toBe(join(dir, 'reports'));

    stop.abort();
    expect(await done).toBe(0);
    expect(host.halted).toBe(1);
    expect(host.disposed).toBe(true);
    await expect(fetch(`${origin}/`)).rejects.toThrow();
  });

  it('leaves the report folder to the settings without --reports', async () => {
    const stop = new AbortController();
    const seen: { reportFolder?: string } = {};
    const done = serveCommand([], io, deps(createTestHost(), seen, stop.signal));
    await expect.poll(() => out.length).toBeGreaterThan(0);
    stop.abort();
    await done;
    expect(seen).toEqual({ reportFolder: undefined });
  });

  it('runs the engine in a child process (not in this event loop) and stops it on stop', async () => {
    const stop = new AbortController();
    const done = serveCommand(['--port', '0', '--reports', join(dir, 'reports')], io, {
      rendererDir: join(dir, 'renderer'),
      createSettings: memorySettings,
      signal: stop.signal,
    });
    await expect.poll(() => out.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { origin, searchParams } = new URL(/http:\S+/.exec(out[0] ?? '')?.[0] as string);
    const res = await fetch(`${origin}/api/invoke/plans.list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${searchParams.get('token')}` },
      body: '{}',
    });
    const reply = (await res.json()) as { ok: boolean; value: { id: string }[] };
    expect(reply.value.some((p) => p.id === 'quick-concurrency')).toBe(true);
    // The engine answered from a child process of this one.
    const hosts = engineHostChildren();
    expect(hosts).toHaveLength(1);
    stop.abort();
    expect(await done).toBe(0);
    expect(engineHostChildren()).toEqual([]);
  }, 60_000);

  it('says to run `npm run build` when the renderer is not built, and starts nothing', async () => {
    const host = createTestHost();
    const stop = new AbortController();
    const code = await serveCommand([], io, {
      ...deps(host, {}, stop.signal),
      rendererDir: join(dir, 'nothing'),
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('npm run build');
    expect(host.calls).toEqual([]);
  });

  it('refuses a bad port or a stray argument as a usage error', async () => {
    const signal = new AbortController().signal;
    for (const argv of [['--port', '70000'], ['--port', 'abc'], ['--port', '-1'], ['extra']]) {
      await expect(serveCommand(argv, io, deps(createTestHost(), {}, signal))).rejects.toMatchObject({
        code: 'USAGE',
      });
    }
  });
});
