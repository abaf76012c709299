/**
 * Parses what the engine streams to the console with the model's schemas (preload/contract.ts
 * re-exports them). Frames arrive as untrusted data over the event socket or Electron IPC; one
 * that does not match its schema is refused (null) and counted by the caller, never half-applied.
 */
import {
  OutputBatchSchema,
  RunStreamEventSchema,
  WsFrameSchema,
  type OutputBatch,
  type RunStreamEvent,
  type WsFrame,
} from '../../../preload/contract';

/** A run event pushed over IPC (already structured-cloned), or null when it is malformed. */
export function parseRunEvent(payload: unknown): RunStreamEvent | null {
  const r = RunStreamEventSchema.safeParse(payload);
  return r.success ? r.data : null;
}

/** An output batch pushed over IPC, or null when it is malformed. */
export function parseOutputBatch(payload: unknown): OutputBatch | null {
  const r = OutputBatchSchema.safeParse(payload);
  return r.success ? r.data : null;
}

/** One socket frame in, a WsFrame or null (malformed: not text, not JSON, or the wrong shape). */
export function parseWsFrame(data: unknown): WsFrame | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  const r = WsFrameSchema.safeParse(parsed);
  return r.success ? r.data : null;
}
