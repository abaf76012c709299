import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent, MessageBoxOptions, WebContents } from 'electron';
import {
  EVENT_CHANNEL_OUTPUT,
  EVENT_CHANNEL_RUN,
  INVOKE_CHANNEL,
  type RunPreview,
} from '../../preload/contract';
import type { ConfirmMode } from '../host/host';
import { createTestHost, runEvent } from '../web/test-host';
import { IpcBridge, startDialogOptions } from './ipc';
import { APP_START_URL } from './security';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

function fakeContents(id: number, url = APP_START_URL) {
  const mainFrame = { url };
  const destroyedListeners: (() => void)[] = [];
  const sent: [string, unknown][] = [];
  let destroyed = false;
  const contents = {
    id,
    mainFrame,
    sent,
    url,
    getURL: () => contents.url,
    isDestroyed: () => destroyed,
    send: (channel: string, payload: unknown) => void sent.push([channel, payload]),
    once: (name: string, l: () => void) => void (name === 'destroyed' && destroyedListeners.push(l)),
    destroy() {
      destroyed = true;
      destroyedListeners.forEach((l) => l());
    },
  };
  return contents;
}
type FakeContents = ReturnType<typeof fakeContents>;

function setup(answers: number[] = []) {
  let handler: Handler | null = null;
  const dialogs: MessageBoxOptions[] = [];
  const host = createTestHost(async (call) => {
    if (call.confirm.kind === 'dialog') return { ok: true, value: await call.confirm.confirm(preview) };
    return { ok: true, value: null };
  });
  const bridge = new IpcBridge({
    ipcMain: {
      handle: (channel, h) => {
        expect(channel).toBe(INVOKE_CHANNEL);
        handler = h as Handler;
      },
      removeHandler: () => (handler = null),
    },
    host,
    showMessageBox: async (_sender, options) => {
      dialogs.push(options);
      return { response: answers.shift() ?? 0 };
    },
  });
  const send = (from: FakeContents, frame: { url: string } | null, channel: unknown, input: unknown) => {
    const event = { sender: from, senderFrame: frame } as unknown as IpcMainInvokeEvent;
    if (handler === null) throw new Error('no handler');
    return handler(event, channel, input);
  };
  return { host, bridge, dialogs, send, handler: () => handler };
}

const preview = {
  planId: 'quick-concurrency',
  title: 'Quick concurrency',
  lines: ['Plan quick-concurrency', '2 agents'],
} as RunPreview;

describe('IpcBridge', () => {
  it('passes a trusted main frame’s channel and raw input to the host with the dialog confirm', async () => {
    const { host, bridge, send } = setup();
    const win = fakeContents(1);
    bridge.trust(win as unknown as WebContents);
    const reply = await send(win, win.mainFrame, 'runs.halt', { runId: 'r1', extra: 'kept raw' });
    expect(reply).toMatchObject({ ok: true });
    expect(host.calls).toHaveLength(1);
    expect(host.calls[0]?.channel).toBe('runs.halt');
    expect(host.calls[0]?.input).toEqual({ runId: 'r1', extra: 'kept raw' });
    expect((host.calls[0]?.confirm as ConfirmMode).kind).toBe('dialog');
  });

  it('refuses untrusted senders with IPC_UNTRUSTED_SENDER and never reaches the host', async () => {
    const { host, bridge, send } = setup();
    const win = fakeContents(1);
    bridge.trust(win as unknown as WebContents);
    const stranger = fakeContents(2);
    const untrusted = { ok: false, error: { code: 'IPC_UNTRUSTED_SENDER' } };
    expect(await send(stranger, stranger.mainFrame, 'runs.list', {})).toMatchObject(untrusted);
    expect(await send(win, { url: APP_START_URL }, 'runs.list', {})).toMatchObject(untrusted); // a subframe
    expect(await send(win, null, 'runs.list', {})).toMatchObject(untrusted);
    win.mainFrame.url = 'https://evil.example/';
    expect(await send(win, win.mainFrame, 'runs.list', {})).toMatchObject(untrusted);
    win.mainFrame.url = APP_START_URL;
    win.destroy();
    expect(await send(win, win.mainFrame, 'runs.list', {})).toMatchObject(untrusted);
    expect(host.calls).toEqual([]);
  });

  it('asks the native dialog with Cancel as default; only the Start button confirms', async () => {
    const { bridge, dialogs, send } = setup([0, 1]);
    const win = fakeContents(1);
    bridge.trust(win as unknown as WebContents);
    expect(
      await send(win, win.mainFrame, 'runs.requestStart', { plan: { id: 'quick-concurrency' } }),
    ).toEqual({ ok: true, value: false });
    expect(
      await send(win, win.mainFrame, 'runs.requestStart', { plan: { id: 'quick-concurrency' } }),
    ).toEqual({ ok: true, value: true });
    expect(dialogs[0]).toMatchObject({
      buttons: ['Cancel', 'Start'],
      defaultId: 0,
      cancelId: 0,
      detail: 'Plan quick-concurrency\n2 agents',
    });
    expect(startDialogOptions(preview).message).toContain('quick-concurrency');
  });

  it('forwards run events and output only to live trusted windows, and disposes cleanly', () => {
    const { host, bridge, handler } = setup();
    const a = fakeContents(1);
    const b = fakeContents(2);
    const stranger = fakeContents(3);
    bridge.trust(a as unknown as WebContents);
    bridge.trust(b as unknown as WebContents);
    b.destroy();
    host.fireRun(runEvent('r1', 'x'));
    host.fireOutput({ runId: 'r1', targetId: 't', data: 'out' });
    expect(a.sent.map(([c]) => c)).toEqual([EVENT_CHANNEL_RUN, EVENT_CHANNEL_OUTPUT]);
    expect(b.sent).toEqual([]);
    expect(stranger.sent).toEqual([]);
    bridge.dispose();
    expect(handler()).toBeNull();
    expect(host.listenerCount()).toBe(0);
  });
});
