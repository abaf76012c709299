import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL_RUN, INVOKE_CHANNEL, type LabApi } from './contract';

// The real 'electron' module is never loaded in tests: a factory mock stands in for it.
const exposed = vi.hoisted(() => [] as [string, unknown][]);
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
  ipcRenderer: { invoke: async () => null, on: () => undefined, removeListener: () => undefined },
}));

const { createLabApi } = await import('./index');

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const sent: unknown[][] = [];
  return {
    sent,
    listeners,
    invoke: async (...args: unknown[]) => {
      sent.push(args);
      return { ok: true, value: 'from-main' };
    },
    on(channel: string, l: (event: unknown, payload: unknown) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
    },
    removeListener(channel: string, l: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(l);
    },
    emit(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'ipcRenderer-itself' }, payload);
    },
  };
}

describe('preload', () => {
  it('exposes only window.lab, with the four members of the LabApi', () => {
    expect(exposed.map(([k]) => k)).toEqual(['lab']);
    const api = exposed[0]?.[1] as LabApi;
    expect(Object.keys(api).sort()).toEqual(['invoke', 'mode', 'onOutput', 'onRunEvent']);
    expect(api.mode).toBe('electron');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('sends a contract channel on the one invoke channel, input untouched', async () => {
    const ipc = fakeIpc();
    const reply = await createLabApi(ipc).invoke('runs.halt', { runId: 'r1' });
    expect(reply).toEqual({ ok: true, value: 'from-main' });
    expect(ipc.sent).toEqual([[INVOKE_CHANNEL, 'runs.halt', { runId: 'r1' }]]);
  });

  it('refuses names that are not contract channels without sending anything', async () => {
    const ipc = fakeIpc();
    const api = createLabApi(ipc);
    for (const name of ['__proto__', 'constructor', 'toString', 'lab:invoke', 'runs.start', '']) {
      const reply = await api.invoke(name as 'runs.list', {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'IPC_INVALID' } });
    }
    expect(ipc.sent).toEqual([]);
  });

  it('hands listeners the payload only, and the returned function unsubscribes', () => {
    const ipc = fakeIpc();
    const seen: unknown[][] = [];
    const off = createLabApi(ipc).onRunEvent((...args) => seen.push(args));
    ipc.emit(EVENT_CHANNEL_RUN, { type: 'tes', runId: 'r1', tes: [] });
    off();
    ipc.emit(EVENT_CHANNEL_RUN, { type: 'tes', runId: 'r2', tes: [] });
    expect(seen).toEqual([[{ type: 'tes', runId: 'r1', tes: [] }]]);
    expect(ipc.listeners.get(EVENT_CHANNEL_RUN)?.size).toBe(0);
  });
});
