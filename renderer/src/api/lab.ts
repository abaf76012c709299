/**
 * The one place the renderer obtains its LabApi: the Electron preload's `window.lab` when present,
 * otherwise the HTTP + WebSocket client of browser mode.
 */
import type { LabApi } from '../../../preload/contract';
import { createBrowserClient } from './browser-client';
import { ConnectionStore } from './connection';
import { guardIpcApi } from './ipc-client';
import { takeToken } from './token';

declare global {
  interface Window {
    lab?: LabApi;
  }
}

let lab: LabApi | null = null;
let connection: ConnectionStore | null = null;

function init(): { lab: LabApi; connection: ConnectionStore } {
  if (lab !== null && connection !== null) return { lab, connection };
  if (window.lab !== undefined) {
    connection = new ConnectionStore('ipc');
    lab = guardIpcApi(window.lab, connection);
  } else {
    const { token, cleanedUrl } = takeToken(window.location.href, window.sessionStorage);
    if (cleanedUrl !== null) window.history.replaceState(window.history.state, '', cleanedUrl);
    connection = new ConnectionStore('connecting');
    lab = createBrowserClient(token, connection);
  }
  return { lab, connection };
}

export function getLab(): LabApi {
  return init().lab;
}

export function getConnection(): ConnectionStore {
  return init().connection;
}
