/**
 * The console window and the rules every web contents and the session live by: sandboxed,
 * isolated, no Node; no new windows, no navigation away from the app, no webviews, no permissions;
 * our policy header on every page of ours.
 */
import { BrowserWindow, screen, type Rectangle, type Session, type WebContents } from 'electron';
import { APP_START_URL, isAllowedNavigation, isAppUrl, isPermissionAllowed, withCsp } from './security';

export interface WindowState {
  bounds: Rectangle | null;
  maximized: boolean;
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(isPermissionAllowed(permission)),
  );
  session.setPermissionCheckHandler((_wc, permission) => isPermissionAllowed(permission));
  session.setDevicePermissionHandler(() => false);
  // No URL filter: match patterns for custom schemes were refused by some Electron versions, and
  // the app loads nothing but its own pages, so checking each response here costs nothing.
  session.webRequest.onHeadersReceived((details, callback) =>
    callback(isAppUrl(details.url) ? { responseHeaders: withCsp(details.responseHeaders) } : {}),
  );
}

/** Applied to every web contents the app ever creates (app.on('web-contents-created')). */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** A saved position is used only if it is still on a connected display. */
function visibleBounds(bounds: Rectangle | null): Rectangle | null {
  if (bounds === null) return null;
  const onScreen = screen
    .getAllDisplays()
    .some(
      ({ workArea: a }) =>
        bounds.x < a.x + a.width &&
        bounds.x + bounds.width > a.x &&
        bounds.y < a.y + a.height &&
        bounds.y + bounds.height > a.y,
    );
  return onScreen ? bounds : null;
}

export function createMainWindow(opts: {
  preload: string;
  state: WindowState;
  onStateChange: (state: WindowState) => void;
}): BrowserWindow {
  const bounds = visibleBounds(opts.state.bounds);
  const win = new BrowserWindow({
    ...(bounds ?? { width: 1280, height: 860 }),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Probe Lab',
    backgroundColor: '#111418',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (opts.state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = (): void => {
    if (!win.isDestroyed())
      opts.onStateChange({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  win.on('close', save);
  void win.loadURL(APP_START_URL);
  return win;
}
