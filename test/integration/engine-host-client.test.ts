/**
 * The client side: LabHost over a real engine host child. The native dialog is the parent's (a
 * function here), settings are the parent's store, and a host that dies answers every pending
 * and later call with a code instead of leaving the console hanging.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../preload/contract';
import type { SettingsStore } from '../../main/host/host';
import { createEngineHostClient, type EngineHostClient } from '../../main/host/engine-host-client';
import { resourcesDir } from '../../main/util/paths';
import { tempDir } from './helpers';

const clients: EngineHostClient[] = [];
const logs: string[] = [];

function memorySettings(reportFolder: string): SettingsStore & { saved: Settings[] } {
  let s: Settings = { reportFolder, agents: [], labKernel: { kernel: null, initrd: null } };
  const saved: Settings[] = [];
  return { saved, get: () => s, set: (patch) => (saved.push({ ...s, ...patch }), (s = { ...s, ...patch })) };
}

function client(settings: SettingsStore, extra: { node?: string } = {}): EngineHostClient {
  const c = createEngineHostClient({
    settings,
    resourcesDir: resourcesDir(),
    log: (l) => logs.push(l),
    ...extra,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) {
    c.dispose();
    await c.exited;
  }
  logs.length = 0;
});

describe('engine host client', () => {
  it('relays calls, asks the parent to confirm, and saves settings in the parent store', async () => {
    const settings = memorySettings(tempDir('probe-lab-client-'));
    const c = client(settings);
    expect(await c.ready).toMatchObject({ t: 'ready', abi: process.versions.modules });

    const plans = await c.invoke('plans.list', {}, { kind: 'challenge' });
    expect(plans.ok && (plans.value as { id: string }[]).some((p) => p.id === 'quick-concurrency')).toBe(
      true,
    );

    const asked: string[] = [];
    const declined = await c.invoke(
      'runs.requestStart',
      { plan: { id: 'quick-concurrency' } },
      { kind: 'dialog', confirm: async (preview) => (asked.push(preview.planId), false) },
    );
    expect(asked).toEqual(['quick-concurrency']);
    expect(declined).toEqual({ ok: true, value: { kind: 'declined' } });
    expect(await c.invoke('runs.list', {}, { kind: 'challenge' })).toEqual({ ok: true, value: [] });

    const agents = [{ name: 'a', command: 'workload-agent' }];
    expect(await c.invoke('settings.set', { agents }, { kind: 'challenge' })).toMatchObject({
      ok: true,
      value: { agents },
    });
    await expect.poll(() => settings.saved.at(-1)?.agents).toEqual(agents);

    expect(await c.invoke('nope', {}, { kind: 'challenge' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID' },
    });
  });

  it('fails a pending call with HOST_EXITED when the host dies, and reports the death', async () => {
    const c = client(memorySettings(tempDir('probe-lab-client-')));
    await c.ready;
    // The dialog never answers: the call is pending in the host when the host is killed.
    const pending = c.invoke(
      'runs.requestStart',
      { plan: { id: 'quick-concurrency' } },
      { kind: 'dialog', confirm: () => new Promise<boolean>(() => {}) },
    );
    await new Promise((r) => setTimeout(r, 500));
    process.kill(c.pid as number, 'SIGKILL');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'HOST_EXITED' } });
    expect(await c.exited).toMatchObject({ signal: 'SIGKILL', expected: false });
    expect(await c.invoke('runs.list', {}, { kind: 'challenge' })).toMatchObject({
      ok: false,
      error: { code: 'HOST_EXITED' },
    });
    expect(logs.join('\n')).toContain('engine-host: died');
  });

  it('says HOST_START_FAILED when the Node binary cannot be started', async () => {
    const c = client(memorySettings(tempDir('probe-lab-client-')), {
      node: path.join(tempDir('probe-lab-client-'), 'no-such-node'),
    });
    expect(await c.ready).toBeNull();
    expect(await c.invoke('runs.list', {}, { kind: 'challenge' })).toMatchObject({
      ok: false,
      error: { code: 'HOST_START_FAILED' },
    });
    await c.haltAll();
  });
});
