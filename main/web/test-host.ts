/**
 * A tiny LabHost for transport tests: records what it was asked, answers a canned reply, and lets
 * the test fire run events and output. The transports must not care what is behind the interface.
 */
import type { OutputBatch, Reply, RunStreamEvent } from '../../preload/contract';
import type { ConfirmMode, LabHost } from '../host/host';
import { Emitter } from '../util/event';

export interface RecordedCall {
  channel: string;
  input: unknown;
  confirm: ConfirmMode;
}

export interface TestHost extends LabHost {
  calls: RecordedCall[];
  halted: number;
  disposed: boolean;
  fireRun(e: RunStreamEvent): void;
  fireOutput(b: OutputBatch): void;
  listenerCount(): number;
}

export function createTestHost(
  answer: (call: RecordedCall) => Promise<Reply<unknown>> | Reply<unknown> = (c) => ({
    ok: true,
    value: { echo: c.input },
  }),
): TestHost {
  const run = new Emitter<RunStreamEvent>();
  const out = new Emitter<OutputBatch>();
  const host: TestHost = {
    calls: [],
    halted: 0,
    disposed: false,
    async invoke(channel, input, confirm) {
      const call = { channel, input, confirm };
      host.calls.push(call);
      return answer(call);
    },
    onDidRunEvent: run.event,
    onDidOutput: out.event,
    async haltAll() {
      host.halted += 1;
    },
    dispose() {
      host.disposed = true;
      run.dispose();
      out.dispose();
    },
    fireRun: (e) => run.fire(e),
    fireOutput: (b) => out.fire(b),
    listenerCount: () => run.size + out.size,
  };
  return host;
}

export function runEvent(runId: string, message: string): RunStreamEvent {
  return { type: 'event', runId, event: { at: Date.now(), kind: 'note', message } };
}
