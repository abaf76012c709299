/**
 * The Electron path: `window.lab` from the preload, with every pushed event parsed by the model's
 * schemas before a listener sees it, exactly as the browser client parses socket frames. A
 * malformed payload is dropped and counted on the connection (the header shows the count).
 */
import { replySchema, type LabApi, type Reply } from '../../../preload/contract';
import { z } from 'zod';
import type { ConnectionStore } from './connection';
import { parseOutputBatch, parseRunEvent } from './ws-frames';

const AnyReply = replySchema(z.unknown());

/** A reply from the preload, checked for the envelope before it is trusted. */
export function parseIpcReply(reply: unknown): Reply<unknown> {
  const r = AnyReply.safeParse(reply);
  if (r.success) return r.data as Reply<unknown>;
  return {
    ok: false,
    error: { code: 'IPC_INVALID', message: 'The engine answered something that is not a reply envelope.' },
  };
}

export function guardIpcApi(raw: LabApi, connection: ConnectionStore): LabApi {
  return {
    mode: raw.mode,
    invoke: async (channel, input) => parseIpcReply(await raw.invoke(channel, input)) as never,
    onRunEvent: (listener) =>
      raw.onRunEvent((payload: unknown) => {
        const e = parseRunEvent(payload);
        if (e === null) connection.countMalformed();
        else listener(e);
      }),
    onOutput: (listener) =>
      raw.onOutput((payload: unknown) => {
        const b = parseOutputBatch(payload);
        if (b === null) connection.countMalformed();
        else listener(b);
      }),
  };
}
