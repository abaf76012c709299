/**
 * The `lab` fixture: a real `probe-lab serve` child process per test, with its own PROBE_LAB_HOME
 * and report folder in a fresh temporary folder, stopped (SIGTERM, which halts every probe) after.
 */
import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export interface Reply {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

export interface Lab {
  /** The address printed by serve, token included. */
  url: string;
  origin: string;
  token: string;
  /** pid of the serve process (its command line names the report folder). */
  pid: number;
  root: string;
  reportsDir: string;
  /** Stops serve as a person would (Ctrl+C is SIGINT); resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Calls the server like a script would, with the token unless told otherwise. */
  invoke(channel: string, input: unknown, token?: string | null): Promise<{ status: number; reply: Reply }>;
}

const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

function waitForUrl(child: ChildProcess, log: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve printed no address in time:\n${log.join('')}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      log.push(chunk.toString());
      const m = URL_PATTERN.exec(log.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => log.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing an address:\n${log.join('')}`));
    });
  });
}

/** Signals serve (SIGTERM unless told) and waits for it; SIGKILL only if it hangs. Its exit code. */
async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export const test = base.extend<{ lab: Lab }>({
  lab: async ({}, use, testInfo) => {
    const root = mkdtempSync(join(tmpdir(), 'probe-lab-e2e-'));
    const reportsDir = join(root, 'reports');
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'probe-lab.mjs'), 'serve', '--port', '0', '--reports', reportsDir],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, PROBE_LAB_HOME: join(root, 'home') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log: string[] = [];
    try {
      const url = await waitForUrl(child, log);
      const { origin, searchParams } = new URL(url);
      const token = searchParams.get('token') ?? '';
      const lab: Lab = {
        url,
        origin,
        token,
        pid: child.pid ?? -1,
        root,
        reportsDir,
        stop: (signal) => stop(child, signal),
        async invoke(channel, input, as = token) {
          const res = await fetch(`${origin}/api/invoke/${channel}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...(as ? { Authorization: `Bearer ${as}` } : {}) },
            body: JSON.stringify(input),
          });
          return { status: res.status, reply: (await res.json()) as Reply };
        },
      };
      await use(lab);
    } finally {
      await stop(child);
      await testInfo.attach('serve.log', { body: log.join(''), contentType: 'text/plain' });
      rmSync(root, { recursive: true, force: true });
    }
  },
});

export { expect } from '@playwright/test';
