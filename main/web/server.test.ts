import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from './server';
import { createTestHost, runEvent, type TestHost } from './test-host';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(
  server: RunningServer,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const invoke = (
  s: RunningServer,
  channel: string,
  body: unknown,
  auth: string | null = `Bearer ${s.token}`,
) =>
  http(s, `/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

function openSocket(
  s: RunningServer,
  query: string,
  headers: Record<string, string> = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/events${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

let dir: string;
let host: TestHost;
let server: RunningServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'probe-lab-web-'));
  mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'renderer', 'assets', 'app.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
  symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'assets', 'link.txt'));
  host = createTestHost();
  server = await startServer({ host, rendererDir: join(dir, 'renderer') });
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startServer: binding and token', () => {
  it('listens on 127.0.0.1 with a fresh 32-byte token in the printed address', () => {
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startServer({ host, rendererDir: dir, address: '0.0.0.0' })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});

describe('POST /api/invoke/<channel>', () => {
  it('passes the raw input to the host with the typed-challenge confirm mode', async () => {
    const res = await invoke(server, 'runs.requestStart', { plan: { id: 'quick-concurrency' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      ok: true,
      value: { echo: { plan: { id: 'quick-concurrency' } } },
    });
    expect(host.calls).toEqual([
      {
        channel: 'runs.requestStart',
        input: { plan: { id: 'quick-concurrency' } },
        confirm: { kind: 'challenge' },
      },
    ]);
  });

  it('answers 401 AUTH_REQUIRED without the token or with a wrong one, and never reaches the host', async () => {
    for (const auth of [
      null,
      'Bearer wrong',
      `Bearer ${server.token}x`,
      `Basic ${server.token}`,
      server.token,
    ]) {
      const res = await invoke(server, 'runs.list', {}, auth);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    }
    expect(host.calls).toEqual([]);
  });

  it('refuses bad JSON (400), unknown channels (404), GET (405) and oversized bodies (413) with codes', async () => {
    const bad = await invoke(server, 'runs.list', '{nope');
    expect([bad.status, JSON.parse(bad.body).error.code]).toEqual([400, 'IPC_INVALID']);
    const unknown = await invoke(server, '__proto__', {});
    expect([unknown.status, JSON.parse(unknown.body).error.code]).toEqual([404, 'IPC_INVALID']);
    const get = await http(server, '/api/invoke/runs.list', {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    expect(get.status).toBe(405);
    const big = await invoke(server, 'plans.check', JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }));
    expect([big.status, JSON.parse(big.body).error.code]).toEqual([413, 'IPC_INVALID']);
    expect(host.calls).toEqual([]);
  });

  it('refuses a rebound Host name and a cross-origin Origin even with the right token', async () => {
    const auth = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' };
    const rebound = await http(server, '/api/invoke/runs.list', {
      method: 'POST',
      headers: { ...auth, Host: `evil.example:${server.port}` },
      body: '{}',
    });
    expect(rebound.status).toBe(421);
    const cross = await http(server, '/api/invoke/runs.list', {
      method: 'POST',
      headers: { ...auth, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
    const sameOrigin = await http(server, '/api/invoke/runs.list', {
      method: 'POST',
      headers: { ...auth, Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` },
      body: '{}',
    });
    expect(sameOrigin.status).toBe(200);
    expect(host.calls).toHaveLength(1);
  });
});

describe('static files', () => {
  it('answers the page without a token with a small 401 page that says AUTH_REQUIRED', async () => {
    for (const path of ['/', '/index.html', '/?token=wrong']) {
      const res = await http(server, path);
      expect(res.status).toBe(401);
      expect(res.body).toContain('AUTH_REQUIRED');
      expect(res.body).not.toContain('<script');
    }
  });

  it('serves the page with the token, a CSP naming our event socket, and a page cookie for reloads', async () => {
    const res = await http(server, `/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('id="root"');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).not.toContain(server.token);
    const reload = await http(server, '/', { headers: { Cookie: cookie } });
    expect(reload.status).toBe(200);
    // The page cookie opens the page, never the API.
    const api = await http(server, '/api/invoke/runs.list', {
      method: 'POST',
      headers: { Cookie: cookie },
      body: '{}',
    });
    expect(api.status).toBe(401);
  });

  it('serves assets with their MIME types', async () => {
    expect((await http(server, '/assets/app.js')).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await http(server, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/link.txt',
      '/%00',
      '/assets/%5c..%5csecret.txt',
    ]) {
      const res = await http(server, path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('outside the renderer');
    }
  });
});

describe('event socket', () => {
  it('refuses a socket without the right token or from another origin', async () => {
    await expect(openSocket(server, '')).rejects.toThrow('HTTP 401');
    await expect(openSocket(server, '?token=wrong')).rejects.toThrow('HTTP 401');
    await expect(
      openSocket(server, `?token=${server.token}`, { Origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 401');
  });

  it('broadcasts run events and output batches as WsMessage frames', async () => {
    const ws = await openSocket(server, `?token=${server.token}`);
    const frames: unknown[] = [];
    const got2 = new Promise<void>((resolve) =>
      ws.on('message', (d) => frames.push(JSON.parse(String(d))) === 2 && resolve()),
    );
    host.fireRun(runEvent('r1', 'hello'));
    host.fireOutput({ runId: 'r1', targetId: 'a', data: 'out' });
    await got2;
    expect(frames).toEqual([
      { stream: 'run', event: expect.objectContaining({ type: 'event', runId: 'r1' }) },
      { stream: 'output', batch: { runId: 'r1', targetId: 'a', data: 'out' } },
    ]);
    ws.close();
  });

  it('drops output (counted, then one notice) for a client that does not read, but never a run event', async () => {
    await server.close();
    server = await startServer({
      host,
      rendererDir: join(dir, 'renderer'),
      events: { outputHighWatermarkBytes: 64 * 1024 },
    });
    const ws = await openSocket(server, `?token=${server.token}`);
    const frames: { stream: string; [k: string]: unknown }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    ws.pause();
    const chunk = 'x'.repeat(64 * 1024);
    const sent = 2000; // 128 MiB offered: far more than loopback socket buffers hold
    for (let i = 0; i < sent; i += 1) {
      host.fireOutput({ runId: 'r1', targetId: 'a', data: chunk });
      if (i % 100 === 0) host.fireRun(runEvent('r1', `run-${i}`));
      await new Promise((r) => setImmediate(r));
    }
    ws.resume();
    // Let the backlog drain before the last event: the notice goes out once the client caught up.
    let seen = -1;
    await expect
      .poll(() => (seen === frames.length ? true : ((seen = frames.length), false)), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    host.fireRun(runEvent('r1', 'last'));
    await expect
      .poll(
        () =>
          frames.some(
            (f) => f.stream === 'run' && (f.event as { event: { message: string } }).event.message === 'last',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    const runs = frames
      .filter((f) => f.stream === 'run')
      .map((f) => (f.event as { event: { message: string } }).event.message);
    expect(runs).toEqual([...Array.from({ length: sent / 100 }, (_, i) => `run-${i * 100}`), 'last']);
    const outputs = frames.filter((f) => f.stream === 'output').length;
    const notices = frames
      .filter((f) => f.stream === 'notice')
      .map((f) => f.notice as { frames: number; chars: number; runIds: string[] });
    expect(outputs).toBeLessThan(sent);
    const dropped = notices.reduce((n, x) => n + x.frames, 0);
    expect(outputs + dropped).toBe(sent);
    expect(notices[0]).toMatchObject({ kind: 'output-dropped', runIds: ['r1'] });
    expect(notices.reduce((n, x) => n + x.chars, 0)).toBe(dropped * chunk.length);
    ws.close();
  });

  it('close() ends sockets and drops the host subscriptions', async () => {
    const ws = await openSocket(server, `?token=${server.token}`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(host.listenerCount()).toBe(2);
    await server.close();
    expect(await closed).toBe(1001);
    expect(host.listenerCount()).toBe(0);
  });
});

describe('trust: the page gate decodes first, and a hostile client is cut off', () => {
  it('never serves the page without the token, however its path is spelled', async () => {
    for (const path of [
      '/%69ndex.html',
      '/%2569ndex.html',
      '//index.html',
      '/./index.html',
      '/%2Findex.html',
    ]) {
      const res = await http(server, path);
      expect(res.body, path).not.toContain('id="root"');
      expect([401, 404], path).toContain(res.status);
    }
  });

  it('answers an unauthenticated 50 MB body with 401 and stops reading it', async () => {
    const total = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const sock = connect(server.port, '127.0.0.1');
    await once(sock, 'connect');
    let reply = '';
    sock.on('data', (d: Buffer) => (reply += d.toString()));
    let closed = false;
    sock.on('error', () => (closed = true));
    sock.on('close', () => (closed = true));
    sock.write(
      `POST /api/invoke/runs.list HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
    );
    let sent = 0;
    while (sent < total && !closed) {
      const ok = sock.write(chunk);
      sent += chunk.length;
      if (!ok) await Promise.race([once(sock, 'drain'), once(sock, 'close')]).catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 200));
    sock.destroy();
    expect(reply).toMatch(/^HTTP\/1\.1 401/);
    // The kernel's socket buffers take a few MB; the server must not have drained the rest.
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(total);
    expect(host.calls).toEqual([]);
  });

  it('caps open connections', async () => {
    const capped = await startServer({ host, rendererDir: join(dir, 'renderer'), maxConnections: 4 });
    try {
      const socks = Array.from({ length: 10 }, () => connect(capped.port, '127.0.0.1'));
      const dropped = socks.map(
        (s) =>
          new Promise<boolean>((resolve) => {
            s.on('error', () => {});
            s.once('close', () => resolve(true));
            setTimeout(() => resolve(false), 1000);
          }),
      );
      expect((await Promise.all(dropped)).filter(Boolean).length).toBeGreaterThanOrEqual(6);
      for (const s of socks) s.destroy();
    } finally {
      await capped.close();
    }
  });

  it('drops a client that never finishes its headers (slowloris)', async () => {
    const slow = await startServer({ host, rendererDir: join(dir, 'renderer'), headersTimeoutMs: 500 });
    try {
      const sock = connect(slow.port, '127.0.0.1');
      sock.on('error', () => {});
      sock.resume();
      await once(sock, 'connect');
      sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\n`);
      const t0 = Date.now();
      await once(sock, 'close');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await slow.close();
    }
  }, 15_000);
});
