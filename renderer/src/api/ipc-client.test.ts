/**
 * The Electron event path end to end in-process: the real preload API over a fake ipcRenderer
 * (Electron itself cannot run here), wrapped by the renderer's guard. A malformed payload pushed
 * by the main process is dropped and counted, never handed to a listener.
 */
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL_OUTPUT, EVENT_CHANNEL_RUN, type RunStreamEvent } from '../../../preload/contract';
import { pulse } from '../run/test-fixtures';
import { ConnectionStore } from './connection';
import { guardIpcApi } from './ipc-client';

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: () => undefined },
  ipcRenderer: { invoke: async () => null, on: () => undefined, removeListener: () => undefined },
}));
const { createLabApi } = await import('../../../preload/index');

function fakeIpc(reply: unknown) {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  return {
    invoke: async () => reply,
    on(channel: string, l: (event: unknown, payload: unknown) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
    },
    removeListener(channel: string, l: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(l);
    },
    emit(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({}, payload);
    },
  };
}

describe('Electron event path', () => {
  it('delivers well-formed run events and output, drops and counts malformed ones', () => {
    const ipc = fakeIpc(null);
    const connection = new ConnectionStore('ipc');
    const lab = guardIpcApi(createLabApi(ipc), connection);
    const events: RunStreamEvent[] = [];
    const output: string[] = [];
    lab.onRunEvent((e) => events.push(e));
    lab.onOutput((b) => output.push(b.data));

    ipc.emit(EVENT_CHANNEL_RUN, { type: 'pulse', runId: 'r', pulse: pulse(1) });
    ipc.emit(EVENT_CHANNEL_RUN, { type: 'pulse', runId: 'r', pulse: { ...pulse(2), phase: 'sideways' } });
    ipc.emit(EVENT_CHANNEL_RUN, {
      type: 'anomaly',
      runId: 'r',
      anomaly: { at: 1, code: 'NOT_A_CODE', severity: 'warning', message: 'm' },
    });
    ipc.emit(EVENT_CHANNEL_RUN, null);
    ipc.emit(EVENT_CHANNEL_OUTPUT, { runId: 'r', targetId: 't', data: 'hi' });
    ipc.emit(EVENT_CHANNEL_OUTPUT, { runId: 'r', targetId: 't', data: 42 });

    expect(events.map((e) => e.type)).toEqual(['pulse']);
    expect(output).toEqual(['hi']);
    expect(connection.get().malformedFrames).toBe(4);
  });

  it('checks the reply envelope too', async () => {
    const good = guardIpcApi(createLabApi(fakeIpc({ ok: true, value: [] })), new ConnectionStore('ipc'));
    expect(await good.invoke('runs.list', {})).toEqual({ ok: true, value: [] });
    const bad = guardIpcApi(createLabApi(fakeIpc({ hello: 1 })), new ConnectionStore('ipc'));
    const r = await bad.invoke('runs.list', {});
    expect(r.ok === false && r.error.code).toBe('IPC_INVALID');
  });
});
