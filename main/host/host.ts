/**
 * The engine host: implements every channel of preload/contract.ts over the engine. Transports
 * (Electron IPC in main/app, HTTP + WebSocket in main/web) only move bytes and pick how a person
 * confirms; they never interpret a channel themselves.
 */
import type { OutputBatch, Reply, RunPreview, RunStreamEvent, Settings } from '../model/api';
import type { Disposable, Event } from '../util/event';

/**
 * How the person confirms a start. `dialog`: the host asks the transport to show something native
 * (Electron's dialog in the main process) and waits for the answer. `challenge`: the host issues a
 * challenge that the person answers by typing the plan id (browser mode); the host checks it.
 */
export type ConfirmMode =
  { kind: 'dialog'; confirm: (preview: RunPreview) => Promise<boolean> } | { kind: 'challenge' };

export interface LabHost extends Disposable {
  /** Parses `input` with the channel's schema, runs it, and answers a Reply; never throws. */
  invoke(channel: string, input: unknown, confirm: ConfirmMode): Promise<Reply<unknown>>;
  readonly onDidRunEvent: Event<RunStreamEvent>;
  readonly onDidOutput: Event<OutputBatch>;
  /** Halts every running probe (window closing, server stopping, SIGINT). */
  haltAll(): Promise<void>;
}

/** Settings persistence: electron-store in the app, a JSON file for `serve` and tests. */
export interface SettingsStore {
  get(): Settings;
  set(patch: Partial<Settings>): Settings;
}
