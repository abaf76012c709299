/**
 * Settings and window state in electron-store (userData/app-settings.json), behind the engine's
 * SettingsStore. Same schema and defaults as the JSON store of `probe-lab serve`, so both modes
 * write reports to the same folder by default. What is read back from disk is parsed before it is
 * trusted: a damaged entry falls back to the defaults instead of reaching the engine.
 */
// Only to remove electron-store's own raw IPC listener, which any page could otherwise call.
// eslint-disable-next-line no-restricted-imports
import { ipcMain } from 'electron';
import Store from 'electron-store';
import { z } from 'zod';
import type { Settings } from '../../preload/contract';
import type { SettingsStore } from '../host/host';
import { SettingsSchema, defaultSettings } from '../host/settings-file';
import type { WindowState } from './window';

/** electron-store answers this raw IPC message to any renderer; our pages never need it. */
const ELECTRON_STORE_IPC = 'electron-store-get-data';

const rect = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200),
  height: z.number().int().min(200),
});
const storedWindow = z.object({ bounds: rect.nullable(), maximized: z.boolean() });

export interface ElectronSettings extends SettingsStore {
  windowState(): WindowState;
  saveWindowState(state: WindowState): void;
}

export function createElectronSettingsStore(): ElectronSettings {
  // Not 'settings': userData and configDir() can be the same folder (~/.config/probe-lab), where
  // `probe-lab serve` keeps its own settings.json in a different shape.
  const store = new Store<Record<string, unknown>>({ name: 'app-settings', clearInvalidConfig: true });
  ipcMain.removeAllListeners(ELECTRON_STORE_IPC);

  const read = (): Settings => {
    const parsed = SettingsSchema.safeParse({
      ...defaultSettings(),
      ...(store.get('settings') as object | undefined),
    });
    return parsed.success ? parsed.data : defaultSettings();
  };

  return {
    get: read,
    set(patch) {
      const next = SettingsSchema.parse({ ...read(), ...patch });
      store.set('settings', next);
      return next;
    },
    windowState() {
      const parsed = storedWindow.safeParse(store.get('window'));
      return parsed.success ? parsed.data : { bounds: null, maximized: false };
    },
    saveWindowState(state) {
      store.set('window', storedWindow.parse(state));
    },
  };
}
