/**
 * The LabApi over `probe-lab serve`: invokes are `POST /api/invoke/<channel>` with the bearer
 * token, events come over one WebSocket that reconnects with backoff. Nothing here throws: a
 * transport failure becomes a Reply with a code, like any engine error.
 */
import { z } from 'zod';
import {
  HTTP_INVOKE_PREFIX,
  replySchema,
  WS_EVENTS_PATH,
  type Channel,
  type CodedErrorDto,
  type InvokeInput,
  type InvokeOutputs,
  type LabApi,
  type OutputBatch,
  type Reply,
  type RunStreamEvent,
} from '../../../preload/contract';
import { reconnectDelayMs } from './backoff';
import type { ConnectionStore } from './connection';
import { parseWsFrame } from './ws-frames';

export function failure(code: string, message: string): { ok: false; error: CodedErrorDto } {
  return { ok: false, error: { code, message } };
}

const AnyReply = replySchema(z.unknown());

/** A reply body from the server, checked for the Reply envelope before it is trusted. */
export function parseReply(body: unknown, httpStatus: number): Reply<unknown> {
  const r = AnyReply.safeParse(body);
  if (r.success) return r.data as Reply<unknown>;
  return failure(`HTTP_${httpStatus}`, 'The server answered something that is not a reply envelope.');
}

export function createBrowserClient(token: string | null, connection: ConnectionStore): LabApi {
  const runListeners = new Set<(e: RunStreamEvent) => void>();
  const outputListeners = new Set<(b: OutputBatch) => void>();

  async function invoke<C extends Channel>(
    channel: C,
    input: InvokeInput<C>,
  ): Promise<Reply<InvokeOutputs[C]>> {
    if (token === null)
      return failure('NO_TOKEN', 'Open the address printed by `probe-lab serve` (it carries ?token=).');
    let res: Response;
    try {
      res = await fetch(HTTP_INVOKE_PREFIX + channel, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (err) {
      return failure('NETWORK', `Could not reach the server: ${String(err)}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return failure(
        `HTTP_${res.status}`,
        `The server answered ${res.status} ${res.statusText} without a JSON body.`,
      );
    }
    return parseReply(body, res.status) as Reply<InvokeOutputs[C]>;
  }

  function deliver(data: unknown): void {
    const msg = parseWsFrame(data);
    if (msg === null) return connection.countMalformed();
    if (msg.stream === 'run') for (const l of [...runListeners]) safely(() => l(msg.event));
    else if (msg.stream === 'output') for (const l of [...outputListeners]) safely(() => l(msg.batch));
    else connection.noteOutputDropped(msg.notice.runIds, msg.notice.chars);
  }

  let attempt = 0;
  function connect(): void {
    if (token === null) return;
    const url = new URL(WS_EVENTS_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    url.hash = '';
    url.searchParams.set('token', token);
    connection.update({ state: attempt === 0 ? 'connecting' : 'down', retryAt: null });
    let socket: WebSocket;
    try {
      socket = new WebSocket(url.href);
    } catch {
      return scheduleReconnect();
    }
    let opened = false;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      connection.update({ state: 'open', epoch: connection.get().epoch + 1, retryAt: null });
    };
    socket.onmessage = (ev: MessageEvent) => deliver(ev.data);
    socket.onclose = () => {
      if (opened) attempt = 0;
      scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const delay = reconnectDelayMs(attempt);
    attempt += 1;
    connection.update({ state: 'down', retryAt: Date.now() + delay });
    window.setTimeout(connect, delay);
  }

  if (token === null) connection.update({ state: 'no-token' });
  else connect();

  return {
    mode: 'browser',
    invoke,
    onRunEvent(listener) {
      runListeners.add(listener);
      return () => void runListeners.delete(listener);
    },
    onOutput(listener) {
      outputListeners.add(listener);
      return () => void outputListeners.delete(listener);
    },
  };
}

/** A throwing listener must not stop the other listeners or the socket. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    console.error('probe-lab: event listener failed', err);
  }
}
