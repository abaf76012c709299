/**
 * Health checks for real services: an HTTP GET, a TCP connect, or an allowlisted command. Each one
 * answers in the pulse's TargetHealth shape (rttMs, method, detail) and is bounded by a timeout.
 * Every address is loopback only: the plan schema refuses anything else, and a name such as
 * localhost is resolved here and used only if every address it gives is loopback, so a changed
 * hosts file cannot send a check off the machine.
 */
import { spawn } from 'node:child_process';
import dns from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { isLoopbackHost, type HealthCheck } from '../model/plan';
import type { ResolvedCommand, TargetHealth } from './target';
import { atTargetPriority } from './priority';

type HttpCheck = Extract<HealthCheck, { type: 'http' }>;
type TcpCheck = Extract<HealthCheck, { type: 'tcp' }>;
type ExecCheck = Extract<HealthCheck, { type: 'exec' }>;
type Answer = Omit<TargetHealth, 'alive'>;

/** What an exec check's detail keeps of its output: enough for an error line, never a flood. */
export const EXEC_OUTPUT_MAX_BYTES = 4096;
/** Bytes of an HTTP body read before the check lets go of it (the status is the verdict). */
const HTTP_BODY_MAX_BYTES = 64 * 1024;

const round2 = (ms: number) => Math.round(ms * 100) / 100;

/** The check's own timeout when it sets one, never longer than the pulse's. */
export function checkTimeoutMs(check: { timeoutSec?: number | undefined }, pulseTimeoutMs: number): number {
  return check.timeoutSec ? Math.min(check.timeoutSec * 1000, pulseTimeoutMs) : pulseTimeoutMs;
}

/** A loopback address for a host name; refuses a name that resolves anywhere else. */
export async function loopbackAddress(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIP(bare)) {
    if (!isLoopbackHost(bare)) throw new Error(`${bare} is not a loopback address`);
    return bare;
  }
  const all = await dns.lookup(bare, { all: true });
  const bad = all.filter((a) => !isLoopbackHost(a.address));
  if (!all.length || bad.length)
    throw new Error(`${bare} resolves to ${all.map((a) => a.address).join(', ') || 'nothing'}: not loopback`);
  return all[0]!.address;
}

function statusOk(expect: HttpCheck['expectStatus'], status: number): boolean {
  return typeof expect === 'number' ? status === expect : status >= expect.min && status <= expect.max;
}

function expectText(expect: HttpCheck['expectStatus']): string {
  return typeof expect === 'number' ? String(expect) : `${expect.min}-${expect.max}`;
}

/** GET the URL; the round trip ends at the response head (status line and headers). */
/**
 * `via`: the engine's own veth address of a target in a network namespace of its own (main/lab/
 * netns.ts), used instead of the plan's loopback host: the namespace's loopback is not the host's.
 */
export async function httpHealth(check: HttpCheck, pulseTimeoutMs: number, via?: string): Promise<Answer> {
  const timeoutMs = checkTimeoutMs(check, pulseTimeoutMs);
  const over = via ? ` over the veth to ${via}` : '';
  const method = `http GET ${check.url}${over} (status ${expectText(check.expectStatus)})`;
  const url = new URL(check.url);
  const t0 = performance.now();
  try {
    const address = via ?? (await loopbackAddress(url.hostname));
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: address,
          port: url.port || 80,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { host: url.host, 'user-agent': 'probe-lab-health', connection: 'close' },
          agent: false,
          timeout: timeoutMs,
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          let read = 0;
          res.on('data', (c: Buffer) => {
            read += c.length;
            if (read > HTTP_BODY_MAX_BYTES) res.destroy();
          });
          res.on('error', () => {});
          res.resume();
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
    const rtt = round2(performance.now() - t0);
    const ok = statusOk(check.expectStatus, status);
    return {
      responsive: ok,
      rttMs: ok ? rtt : null,
      method,
      detail: `HTTP ${status} in ${rtt} ms${ok ? '' : ` (expected ${expectText(check.expectStatus)})`}`,
    };
  } catch (err) {
    return { responsive: false, rttMs: null, method, detail: errText(err) };
  }
}

/** Connect and close; the round trip is the connect time. */
export async function tcpHealth(check: TcpCheck, pulseTimeoutMs: number, via?: string): Promise<Answer> {
  const timeoutMs = checkTimeoutMs(check, pulseTimeoutMs);
  const method = `tcp connect ${check.host}:${check.port}${via ? ` over the veth to ${via}` : ''}`;
  const t0 = performance.now();
  try {
    const host = via ?? (await loopbackAddress(check.host));
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host, port: check.port });
      const timer = setTimeout(
        () => sock.destroy(new Error(`no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve();
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const rtt = round2(performance.now() - t0);
    return { responsive: true, rttMs: rtt, method, detail: `connected in ${rtt} ms` };
  } catch (err) {
    return { responsive: false, rttMs: null, method, detail: errText(err) };
  }
}

/**
 * Runs the allowlisted command (resolved before the run, like a target's) in the target's env and
 * working folder, in a process group of its own so a timeout kills whatever it started.
 */
export async function execHealth(
  check: ExecCheck,
  resolved: ResolvedCommand,
  where: { env: Record<string, string>; cwd: string },
  pulseTimeoutMs: number,
): Promise<Answer> {
  const timeoutMs = checkTimeoutMs(check, pulseTimeoutMs);
  const argv = [...resolved.prefixArgs, ...check.args];
  const method = `exec ${[resolved.file, ...argv].join(' ')}`.slice(0, 512);
  const t0 = performance.now();
  return new Promise<Answer>((resolve) => {
    let out = Buffer.alloc(0);
    let timedOut = false;
    const keep = (c: Buffer) => {
      // The tail is kept: an error is usually the last thing a command says.
      out = Buffer.concat([out, c]);
      if (out.length > EXEC_OUTPUT_MAX_BYTES) out = out.subarray(out.length - EXEC_OUTPUT_MAX_BYTES);
    };
    let child;
    try {
      const cmd = atTargetPriority(resolved.file, argv);
      child = spawn(cmd.file, cmd.args, {
        cwd: where.cwd,
        env: where.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      return resolve({ responsive: false, rttMs: null, method, detail: errText(err) });
    }
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ responsive: false, rttMs: null, method, detail: errText(err) });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      kill(); // anything it left behind in its group
      const rtt = round2(performance.now() - t0);
      const tail = out.toString('utf8').trim().split('\n').slice(-3).join(' | ').slice(-300);
      const ok = !timedOut && code === 0;
      const why = timedOut
        ? `no exit within ${timeoutMs} ms (killed)`
        : `exit ${code ?? `signal ${signal}`} in ${rtt} ms`;
      resolve({ responsive: ok, rttMs: ok ? rtt : null, method, detail: tail ? `${why}: ${tail}` : why });
    });
  });
}

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code ? `${e.code}: ` : '') + (e.message ?? String(err)).slice(0, 300);
}
