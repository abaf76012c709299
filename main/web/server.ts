/**
 * `probe-lab serve`: the console in a browser, over loopback. Static files from the renderer
 * build, `POST /api/invoke/<channel>` into the host (the same contract as Electron IPC, with the
 * typed challenge as the confirm step), and the event socket. Only moves bytes: every channel's
 * input is parsed by the host.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HTTP_INVOKE_PREFIX, Invoke, WS_EVENTS_PATH, type CodedErrorDto } from '../../preload/contract';
import type { LabHost } from '../host/host';
import { LabError, toCodedError, type ErrorCode } from '../util/errors';
import {
  bearerToken,
  hostAllowed,
  newToken,
  originAllowed,
  pageCookieHeader,
  pageCookieMatches,
  tokenMatches,
} from './auth';
import { EventHub, type EventHubOptions } from './events';
import { authRequiredPage } from './auth-page';
import { HARDENING_HEADERS, contentSecurityPolicy, readStatic, resolveStaticPath } from './static';

export const LOOPBACK = '127.0.0.1';
/** Largest request body: a plan is at most 1 MB of text, JSON-escaped it stays under 2 MB. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;
/** Frames a console sends on the event socket are ignored; this caps what one may cost. */
const WS_MAX_PAYLOAD_BYTES = 4 * 1024;
/**
 * A console opens one event socket and a handful of keep-alive requests; a few tabs stay far below
 * 64. Beyond it a local process is flooding the server, and Node drops the extra connections.
 */
export const MAX_CONNECTIONS = 64;
/** Loopback headers arrive in microseconds: 10 s is for a stalled or hostile client (slowloris). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The largest body (2 MB) over loopback takes milliseconds; 30 s bounds a trickled one. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Idle keep-alive connections close after this; the console reconnects at no cost. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, would blunt them). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface ServerOptions {
  host: LabHost;
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 32 fresh random bytes. */
  token?: string;
  /** Only loopback is accepted; anything else is refused, never bound. */
  address?: string;
  bodyLimitBytes?: number;
  /** Defaults to MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Defaults to HEADERS_TIMEOUT_MS (tests shorten it to see a stalled client dropped). */
  headersTimeoutMs?: number;
  events?: EventHubOptions;
}

export interface RunningServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

type Headers = Record<string, string>;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  if ((opts.address ?? LOOPBACK) !== LOOPBACK) {
    throw new LabError('USAGE', `probe-lab serve binds ${LOOPBACK} only, not ${opts.address}`);
  }
  const token = opts.token ?? newToken();
  if (token.length < 16) throw new LabError('USAGE', 'The access token must be at least 16 characters');
  const bodyLimit = opts.bodyLimitBytes ?? BODY_LIMIT_BYTES;
  const hub = new EventHub(opts.host, opts.events);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  let port = 0;

  const server: Server = createServer(
    {
      headersTimeout: opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', toCodedError(err).message);
        else res.destroy();
      });
    },
  );
  server.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;

  // A request Node cannot even parse gets a plain 400 with a code, not a connection reset.
  // Also where a header or request timeout lands: once the answer is flushed the socket is
  // destroyed, so a client that never reads or closes (slowloris) cannot keep it half-open.
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"ok":false,"error":{"code":"IPC_INVALID","message":"malformed HTTP request"}}',
        () => socket.destroy(),
      );
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers, port))
      return sendError(res, 421, 'AUTH_REQUIRED', 'Host header is not this server (DNS rebinding guard)');
    if (!originAllowed(req.headers, port))
      return sendError(res, 403, 'AUTH_REQUIRED', 'Cross-origin requests are refused');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    if (url.pathname.startsWith(HTTP_INVOKE_PREFIX))
      return handleInvoke(req, res, url.pathname.slice(HTTP_INVOKE_PREFIX.length));
    if (url.pathname.startsWith('/api/')) return sendError(res, 404, 'IPC_INVALID', 'No such endpoint');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'IPC_INVALID', 'Method not allowed', { Allow: 'GET, HEAD' });
    return handleStatic(req, res, url);
  }

  async function handleInvoke(req: IncomingMessage, res: ServerResponse, rawChannel: string): Promise<void> {
    if (req.method !== 'POST')
      return sendError(res, 405, 'IPC_INVALID', 'Invoke with POST', { Allow: 'POST' });
    if (!tokenMatches(token, bearerToken(req.headers))) {
      return sendError(res, 401, 'AUTH_REQUIRED', 'Missing or wrong access token', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const channel = safeDecode(rawChannel);
    if (channel === null || !Object.hasOwn(Invoke, channel))
      return sendError(res, 404, 'IPC_INVALID', `Unknown channel: ${rawChannel.slice(0, 64)}`);
    const body = await readBody(req, bodyLimit);
    if (body === 'too-large')
      return sendError(res, 413, 'IPC_INVALID', `Request body exceeds ${bodyLimit} bytes`, {
        Connection: 'close',
      });
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, 400, 'IPC_INVALID', 'Request body is not valid JSON');
    }
    let reply;
    try {
      reply = await opts.host.invoke(channel, input, { kind: 'challenge' });
    } catch (err) {
      // The host promises never to throw; if it does, the console still gets a reply envelope.
      reply = { ok: false as const, error: toCodedError(err) };
    }
    sendJson(res, 200, reply);
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const headers: Headers = {
      ...HARDENING_HEADERS,
      'Content-Security-Policy': contentSecurityPolicy([
        `ws://${LOOPBACK}:${port}`,
        `ws://localhost:${port}`,
      ]),
    };
    // Gate on the file the path resolves to, after decoding and normalising exactly as readStatic
    // does: `/%69ndex.html`, `//index.html` or `/./index.html` are the page too.
    const resolved = resolveStaticPath(opts.rendererDir, url.pathname);
    if (resolved === null)
      return send(res, 404, 'Not found\n', { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, req);
    const isPage = resolved === path.join(path.resolve(opts.rendererDir), 'index.html');
    if (isPage) {
      const given = url.searchParams.get('token');
      const allowed =
        given !== null ? tokenMatches(token, given) : pageCookieMatches(req.headers, port, token);
      if (!allowed)
        return send(
          res,
          401,
          authRequiredPage(given !== null),
          { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
          req,
        );
      if (given !== null) headers['Set-Cookie'] = pageCookieHeader(port, token);
    }
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (file === null)
      return send(res, 404, 'Not found\n', { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, req);
    send(
      res,
      200,
      file.body,
      { ...headers, 'Content-Type': file.type, 'Cache-Control': isPage ? 'no-store' : 'no-cache' },
      req,
    );
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const ok =
      url.pathname === WS_EVENTS_PATH &&
      hostAllowed(req.headers, port) &&
      originAllowed(req.headers, port) &&
      tokenMatches(token, url.searchParams.get('token'));
    if (!ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.add(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: opts.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.dispose();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The body, or 'too-large' as soon as it passes the limit (the rest is never buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Headers = {}): void {
  send(res, status, JSON.stringify(body), {
    ...HARDENING_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...extra,
  });
}

function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extra: Headers = {},
): void {
  const error: CodedErrorDto = { code, message };
  sendJson(res, status, { ok: false, error }, extra);
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Headers,
  req?: IncomingMessage,
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  // A refused request may still be streaming its body (an unauthenticated 50 MB POST): Node would
  // read and discard all of it to keep the connection alive. Answer, then close it instead.
  const unread = status >= 400 && !res.req.complete;
  const all = unread ? { ...headers, Connection: 'close' } : headers;
  res.writeHead(status, { ...all, 'Content-Length': String(buf.length) });
  if (req?.method === 'HEAD') res.end();
  else res.end(buf);
  if (unread || status === 413) res.once('finish', () => res.socket?.destroy());
}
