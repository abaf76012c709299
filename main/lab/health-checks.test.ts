/**
 * Service health checks against real sockets and real processes: a listening and a closed TCP
 * port, a real HTTP server, real commands with exit codes and a timeout; and the plan schema's
 * loopback rule, which refuses any other address before a run exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HealthCheckSchema, isLoopbackHost, parsePlanObject } from '../model/plan';
import { LabError } from '../util/errors';
import { EXEC_OUTPUT_MAX_BYTES, execHealth, httpHealth, tcpHealth } from './health-checks';

let server: http.Server;
let port = 0;
let closedPort = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  // A port that was just free: bound, read, closed (nothing listens there now).
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
});

afterAll(() => new Promise((r) => server.close(r)));

const parse = (raw: unknown) => HealthCheckSchema.parse(raw);

describe('tcp check', () => {
  it('connects to a listening loopback port and measures the connect', async () => {
    const a = await tcpHealth(parse({ type: 'tcp', port }) as never, 2000);
    expect(a.responsive).toBe(true);
    expect(a.rttMs).toBeGreaterThan(0);
    expect(a.method).toBe(`tcp connect 127.0.0.1:${port}`);
  });

  it('a closed port is unresponsive, with the refusal in the detail', async () => {
    const a = await tcpHealth(parse({ type: 'tcp', port: closedPort, host: 'localhost' }) as never, 2000);
    expect(a).toMatchObject({ responsive: false, rttMs: null });
    expect(a.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('http check', () => {
  it('GETs the URL: status 200 and a latency', async () => {
    const a = await httpHealth(parse({ type: 'http', url: `http://127.0.0.1:${port}/` }) as never, 2000);
    expect(a.responsive).toBe(true);
    expect(a.rttMs).toBeGreaterThan(0);
    expect(a.method).toMatch(/^http GET/);
    expect(a.detail).toMatch(/^HTTP 200 in/);
  });

  it('an unexpected status is unresponsive; a range or an exact status can be asked for', async () => {
    const url = `http://localhost:${port}/missing`;
    expect((await httpHealth(parse({ type: 'http', url }) as never, 2000)).responsive).toBe(false);
    const exact = await httpHealth(parse({ type: 'http', url, expectStatus: 404 }) as never, 2000);
    expect(exact.responsive).toBe(true);
  });

  it('a closed port is unresponsive', async () => {
    const a = await httpHealth(
      parse({ type: 'http', url: `http://127.0.0.1:${closedPort}/` }) as never,
      2000,
    );
    expect(a).toMatchObject({ responsive: false, rttMs: null });
  });
});

describe('exec check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-lab-exec-'));
  const real = fs.realpathSync('/bin/sh');
  const sh = { file: real, prefixArgs: [], identity: real };
  const where = { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARK: 'from-target' }, cwd: dir };
  const check = (script: string, extra: object = {}) =>
    parse({ type: 'exec', command: 'sh', args: ['-c', script], ...extra }) as never;

  it('exit 0 is responsive; it runs in the target folder with the target env', async () => {
    const a = await execHealth(check('test "$MARK" = from-target && test "$(pwd)" = "$0"'), sh, where, 2000);
    expect(a.responsive).toBe(false); // $0 is "sh", not the folder: proves the test itself can fail
    const b = await execHealth(
      check(`test "$MARK" = from-target && test "$(pwd -P)" = "${fs.realpathSync(dir)}"`),
      sh,
      where,
      2000,
    );
    expect(b.responsive).toBe(true);
    expect(b.rttMs).toBeGreaterThan(0);
  });

  it('a non-zero exit is unresponsive, with the code and the tail of the output', async () => {
    const a = await execHealth(check('echo broken >&2; exit 3'), sh, where, 2000);
    expect(a).toMatchObject({ responsive: false, rttMs: null });
    expect(a.detail).toMatch(/exit 3 .*broken/);
  });

  it('a command past its timeout is killed, its children too', async () => {
    const t0 = Date.now();
    const a = await execHealth(
      check('sleep 30 & echo $! > child.pid; sleep 30', { timeoutSec: 0.3 }),
      sh,
      where,
      5000,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.responsive).toBe(false);
    expect(a.detail).toMatch(/no exit within 300 ms/);
    const child = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    // Gone, or a zombie waiting for its reaper: either way it runs no more.
    let state = 'gone';
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      /* gone */
    }
    expect(['gone', 'Z']).toContain(state);
  });

  it('keeps only a bounded tail of a flood of output', async () => {
    const a = await execHealth(
      check('head -c 1000000 /dev/zero | tr "\\0" x; echo; echo last-line; exit 1'),
      sh,
      where,
      5000,
    );
    expect(a.detail.length).toBeLessThan(EXEC_OUTPUT_MAX_BYTES);
    expect(a.detail).toMatch(/last-line/);
  });
});

describe('loopback only', () => {
  it.each(['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '127.1', '0x7f000001'])(
    '%s is loopback',
    (h) => expect(isLoopbackHost(h)).toBe(true),
  );
  it.each([
    '10.0.0.1',
    '0.0.0.0',
    '::',
    'example.com',
    '127.0.0.1.nip.io',
    '169.254.169.254',
    '::ffff:8.8.8.8',
    '',
  ])('%s is refused', (h) => expect(isLoopbackHost(h)).toBe(false));

  it('a plan pointing a check off the machine is PLAN_INVALID with the path', () => {
    const plan = (health: object) => ({
      id: 'p',
      title: 't',
      kind: 'concurrency',
      allowlist: ['workload-agent'],
      targets: [{ id: 'a', kind: 'agent', command: 'workload-agent', health }],
      run: { maxDurationSec: 10 },
    });
    const refused = (health: object, at: string) => {
      try {
        parsePlanObject(plan(health));
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(LabError);
        expect((err as LabError).code).toBe('PLAN_INVALID');
        expect((err as LabError).issues?.map((i) => i.path)).toContain(at);
      }
    };
    refused({ type: 'http', url: 'http://192.168.1.10:8000/' }, 'targets.0.health.url');
    refused({ type: 'http', url: 'http://example.com/' }, 'targets.0.health.url');
    refused({ type: 'http', url: 'https://127.0.0.1/' }, 'targets.0.health.url');
    refused({ type: 'http', url: 'http://user:pw@127.0.0.1/' }, 'targets.0.health.url');
    refused({ type: 'tcp', port: 22, host: '10.1.1.1' }, 'targets.0.health.host');
    expect(parsePlanObject(plan({ type: 'tcp', port: 22 })).targets[0]).toMatchObject({
      health: { type: 'tcp', port: 22, host: '127.0.0.1' },
    });
  });
});
