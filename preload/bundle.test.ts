/**
 * The built preload (out/preload/index.cjs) as a sandboxed renderer loads it: a CommonJS script
 * whose `require` knows only 'electron'. Any other import left in the bundle would fail here, as
 * it would in the app. Needs `npm run build` first (npm test runs it before vitest).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNEL } from './contract';

const BUNDLE = join(import.meta.dirname, '..', 'out', 'preload', 'index.cjs');

describe.skipIf(!existsSync(BUNDLE))('built preload bundle', () => {
  it('needs nothing but electron and exposes window.lab', async () => {
    const exposed: Record<string, unknown> = {};
    const sent: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => (sent.push(args), { ok: true, value: 1 }),
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const required: string[] = [];
    const sandboxRequire = (name: string): unknown => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`module not found in a sandboxed preload: ${name}`);
    };
    const module = { exports: {} };
    runInNewContext(readFileSync(BUNDLE, 'utf8'), {
      require: sandboxRequire,
      module,
      exports: module.exports,
      console,
    });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['lab']);
    const lab = exposed.lab as { invoke(c: string, i: unknown): Promise<unknown>; mode: string };
    expect(lab.mode).toBe('electron');
    expect(await lab.invoke('runs.list', {})).toEqual({ ok: true, value: 1 });
    expect(await lab.invoke('nope', {})).toMatchObject({ ok: false, error: { code: 'IPC_INVALID' } });
    expect(sent).toEqual([[INVOKE_CHANNEL, 'runs.list', {}]]);
  });
});
