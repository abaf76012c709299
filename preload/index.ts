/**
 * The sandboxed preload: exposes `window.lab` (the LabApi of the contract) and nothing else. One
 * self-contained CommonJS bundle (zod inlined) because a sandboxed preload cannot load modules.
 * ipcRenderer never reaches the page: each function sends on one fixed channel, and listeners get
 * the payload only, never the IpcRendererEvent (whose `sender` is ipcRenderer itself). Payloads
 * pass through as they came: the renderer parses each with the model's schemas (renderer/src/api/
 * ipc-client.ts), the same code that parses socket frames in browser mode.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  EVENT_CHANNEL_OUTPUT,
  EVENT_CHANNEL_RUN,
  INVOKE_CHANNEL,
  Invoke,
  type LabApi,
  type OutputBatch,
  type Reply,
  type RunStreamEvent,
} from './contract';

/** The slice of ipcRenderer the API uses; a test passes a fake. */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export function isChannel(name: unknown): name is keyof typeof Invoke {
  return typeof name === 'string' && Object.hasOwn(Invoke, name);
}

export function createLabApi(ipc: PreloadIpc): LabApi {
  function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
    const wrapped = (_event: unknown, payload: unknown): void => listener(payload as T);
    ipc.on(channel, wrapped);
    return () => void ipc.removeListener(channel, wrapped);
  }

  return Object.freeze({
    mode: 'electron' as const,
    async invoke(channel, input) {
      if (!isChannel(channel)) {
        return {
          ok: false,
          error: { code: 'IPC_INVALID', message: `Unknown channel: ${String(channel).slice(0, 64)}` },
        };
      }
      try {
        return (await ipc.invoke(INVOKE_CHANNEL, channel, input)) as Reply<never>;
      } catch (err) {
        // ipcRenderer.invoke rejects only when the main process has no handler or it threw.
        return {
          ok: false,
          error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
        };
      }
    },
    onRunEvent: (listener: (e: RunStreamEvent) => void) => subscribe(EVENT_CHANNEL_RUN, listener),
    onOutput: (listener: (b: OutputBatch) => void) => subscribe(EVENT_CHANNEL_OUTPUT, listener),
  } satisfies LabApi);
}

contextBridge.exposeInMainWorld('lab', createLabApi(ipcRenderer));
