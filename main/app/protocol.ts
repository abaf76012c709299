/**
 * The `app://probe-lab/` protocol that serves the renderer build. Same traversal check, MIME table
 * and hardening headers as `probe-lab serve` (main/web/static.ts); the policy header is set here on
 * the response itself and again by window.ts's onHeadersReceived, so no page of ours is ever
 * without it.
 */
import type { Protocol, Session } from 'electron';
import { HARDENING_HEADERS, readStatic } from '../web/static';
import { APP_HOST, APP_SCHEME, appContentSecurityPolicy } from './security';

/** Must run before `app` is ready: a standard, secure scheme gets an origin and `'self'` in CSP. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function handleAppProtocol(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request.url, request.method));
}

export async function appResponse(rendererDir: string, url: string, method: string): Promise<Response> {
  const headers = { ...HARDENING_HEADERS, 'Content-Security-Policy': appContentSecurityPolicy() };
  const u = new URL(url);
  if (u.host !== APP_HOST) return new Response('Not found', { status: 404, headers });
  if (method !== 'GET' && method !== 'HEAD')
    return new Response('Method not allowed', { status: 405, headers });
  const file = await readStatic(rendererDir, u.pathname);
  if (file === null) return new Response('Not found', { status: 404, headers });
  return new Response(method === 'HEAD' ? null : new Uint8Array(file.body), {
    status: 200,
    headers: { ...headers, 'Content-Type': file.type },
  });
}
