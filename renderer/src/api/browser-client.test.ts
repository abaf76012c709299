import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunStreamEvent } from '../../../preload/contract';
import { pulse } from '../run/test-fixtures';
import { createBrowserClient } from './browser-client';
import { ConnectionStore } from './connection';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal('window', {
    location: { href: 'http://127.0.0.1:4000/#/live' },
    setTimeout: globalThis.setTimeout,
  });
  vi.stubGlobal('WebSocket', FakeSocket);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('browser client: invoke', () => {
  it('posts the input to /api/invoke/<channel> with the bearer token and answers the reply', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: [] }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const lab = createBrowserClient('tok-123', new ConnectionStore('connecting'));
    expect(await lab.invoke('plans.check', { text: 'x' })).toEqual({ ok: true, value: [] });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/invoke/plans.check');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-123');
    expect(init.body).toBe('{"text":"x"}');
  });

  it('keeps the code of an error reply and turns transport failures into coded errors', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response(JSON.stringify({ ok: false, error: { code: 'AUTH_REQUIRED', message: 'no' } }), {
          status: 401,
        }),
    );
    const lab = createBrowserClient('t', new ConnectionStore('connecting'));
    expect(await lab.invoke('runs.list', {})).toEqual({
      ok: false,
      error: { code: 'AUTH_REQUIRED', message: 'no' },
    });

    vi.stubGlobal('fetch', async () => new Response('<html>bad gateway</html>', { status: 502 }));
    const r1 = await lab.invoke('runs.list', {});
    expect(r1.ok === false && r1.error.code).toBe('HTTP_502');

    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const r2 = await lab.invoke('runs.list', {});
    expect(r2.ok === false && r2.error.code).toBe('NETWORK');
  });

  it('without a token, answers NO_TOKEN and opens no socket', async () => {
    const connection = new ConnectionStore('connecting');
    const lab = createBrowserClient(null, connection);
    const r = await lab.invoke('runs.list', {});
    expect(r.ok === false && r.error.code).toBe('NO_TOKEN');
    expect(FakeSocket.all).toHaveLength(0);
    expect(connection.get().state).toBe('no-token');
  });
});

describe('browser client: event socket', () => {
  it('connects with the token, delivers good frames, counts bad ones and reconnects after a close', () => {
    const connection = new ConnectionStore('connecting');
    const lab = createBrowserClient('tok', connection);
    const events: RunStreamEvent[] = [];
    lab.onRunEvent((e) => events.push(e));

    const first = FakeSocket.all[0];
    expect(first?.url).toBe('ws://127.0.0.1:4000/api/events?token=tok');
    first?.onopen?.();
    expect(connection.get()).toMatchObject({ state: 'open', epoch: 1 });

    first?.onmessage?.({
      data: JSON.stringify({ stream: 'run', event: { type: 'pulse', runId: 'r', pulse: pulse(1) } }),
    });
    first?.onmessage?.({ data: '{"stream":"run","event":{"type":"pulse"}}' });
    first?.onmessage?.({ data: 'not json' });
    expect(events).toHaveLength(1);
    expect(connection.get().malformedFrames).toBe(2);

    first?.onclose?.();
    expect(connection.get().state).toBe('down');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]?.onopen?.();
    expect(connection.get()).toMatchObject({ state: 'open', epoch: 2 });
  });

  it('a throwing listener does not stop the others', () => {
    const lab = createBrowserClient('tok', new ConnectionStore('connecting'));
    const seen: string[] = [];
    lab.onOutput(() => {
      throw new Error('boom');
    });
    lab.onOutput((b) => seen.push(b.data));
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    FakeSocket.all[0]?.onmessage?.({
      data: JSON.stringify({ stream: 'output', batch: { runId: 'r', targetId: 't', data: 'hi' } }),
    });
    expect(seen).toEqual(['hi']);
    spy.mockRestore();
  });
});
