/**
 * The Electron app's security policy as small pure functions, so each rule is tested without
 * Electron (security.test.ts). window.ts, protocol.ts and ipc.ts only wire them to events.
 */
import { contentSecurityPolicy, resolveStaticPath } from '../web/static';

/** The renderer is served from `app://probe-lab/`: a standard, secure scheme of our own. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'probe-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for our own pages only: right scheme, right host, no credentials, no port. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.host === APP_HOST &&
    u.username === '' &&
    u.password === ''
  );
}

/**
 * A top-level navigation may only stay inside the app (a reload, a route). Links to the web,
 * `javascript:`, `file:`, `data:` and anything else in agent output or a report go nowhere.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** Whether `requested` (a URL pathname, still encoded) names a file inside `root`. */
export function isSafeAppPath(root: string, requested: string): boolean {
  return resolveStaticPath(root, requested) !== null;
}

export interface SenderInfo {
  /** webContents id of the sender. */
  webContentsId: number;
  /** The sending frame, or null when it was destroyed or navigated away before we looked. */
  frame: { url: string; isMainFrame: boolean } | null;
}

/**
 * An IPC message is trusted only from the main frame of a window we created (its webContents id is
 * in `trusted`, removed when the window is destroyed) while it shows one of our pages. An iframe,
 * a webview, a window opened some other way or a page that navigated elsewhere is refused.
 */
export function isTrustedSender(
  sender: SenderInfo,
  trusted: { has(webContentsId: number): boolean },
): boolean {
  return (
    trusted.has(sender.webContentsId) &&
    sender.frame !== null &&
    sender.frame.isMainFrame &&
    isAppUrl(sender.frame.url)
  );
}

/** Every permission (camera, notifications, clipboard, geolocation, ...) is refused. */
export function isPermissionAllowed(_permission: string): boolean {
  return false;
}

/** The policy header for our pages; the app has no remote endpoints at all. */
export function appContentSecurityPolicy(): string {
  return contentSecurityPolicy();
}

/** Adds the policy to a response's headers, replacing any the response carried. */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [appContentSecurityPolicy()];
  return out;
}
