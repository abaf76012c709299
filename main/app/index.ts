/**
 * The Electron composition root: app ready → settings store → engine host → IPC bridge → window.
 * Everything the app owns is disposed here, after every running probe was halted.
 *
 * The engine runs in a child process (bin/engine-host.mjs under plain Node): node-pty is built for
 * Node's ABI, not Electron's, so no native module may ever load into this process.
 */
// The composition root hands ipcMain to main/app/ipc.ts, the one place that registers IPC.
// eslint-disable-next-line no-restricted-imports
import { BrowserWindow, app, dialog, ipcMain, protocol, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngineHostClient } from '../host/engine-host-client';
import { resourcesDir } from '../util/paths';
import { IpcBridge } from './ipc';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { createElectronSettingsStore } from './settings-electron';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

// out/main/index.js → out/preload/index.cjs and out/renderer/.
const PRELOAD = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

// PROBE_LAB_HOME (tests, portable installs) moves the app's own state along with the engine's.
if (process.env.PROBE_LAB_HOME) app.setPath('userData', join(process.env.PROBE_LAB_HOME, 'electron'));
app.enableSandbox();
registerAppScheme(protocol);
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

if (!app.requestSingleInstanceLock()) {
  // A second instance would run a second engine over the same reports: focus the first one.
  app.quit();
} else {
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  handleAppProtocol(session.defaultSession, RENDERER_DIR);

  const settings = createElectronSettingsStore();
  // No reportFolder override: the engine reads the Settings' folder per call, so a change applies at once.
  const host = createEngineHostClient({
    settings,
    resourcesDir: resourcesDir(),
  });
  let quitting = false;
  host.onDidExit((exit) => {
    if (exit.expected || quitting) return;
    // Without its engine the console can do nothing: say so instead of failing every click.
    dialog.showErrorBox(
      'Probe Lab engine stopped',
      `The engine host process exited (${exit.error ?? `code ${exit.code}, signal ${exit.signal}`}). Every call now fails; restart Probe Lab.`,
    );
  });
  const bridge = new IpcBridge({
    ipcMain,
    host,
    showMessageBox: (sender, options) => {
      const win = BrowserWindow.fromWebContents(sender);
      return win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options);
    },
  });

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow({
      preload: PRELOAD,
      state: settings.windowState(),
      onStateChange: settings.saveWindowState,
    });
    bridge.trust(win.webContents);
    return win;
  };
  let main = openWindow();

  app.on('second-instance', () => {
    if (main.isDestroyed()) main = openWindow();
    if (main.isMinimized()) main.restore();
    main.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) main = openWindow();
  });

  app.on('before-quit', (event) => {
    if (quitting) return;
    // Probes are halted (every process of every run stopped) before the app goes away.
    event.preventDefault();
    quitting = true;
    void host
      .haltAll()
      .catch((err: unknown) => console.error('probe-lab: halting on quit failed', err))
      .finally(() => {
        bridge.dispose();
        host.dispose();
        app.quit();
      });
  });
  app.on('window-all-closed', () => app.quit());
}
