/**
 * The CLI's live view of a run, as one output of the run: a line per pulse, per target or chaos
 * event and per anomaly, as the recorder records them. A crashed run found and cleaned up is said
 * even with --json (on stderr): it must never pass silently.
 */
import type { RunStreamEvent } from '../model/api';
import type { RunOutput } from '../run/output';
import type { Io } from './common';
import { liveLine } from './format';
import { LiveStatus } from './live-status';
import { escapeForDisplay as esc } from './term';

export type RunClock = { elapsedMs: number; startedAt?: number; plan: { run: { maxDurationSec: number } } };

/** Messages carry plan- and target-chosen strings (ids, agent output): printed escaped. */
export function cliRunView(io: Io, run: RunClock, json: boolean): RunOutput {
  const status = new LiveStatus(run);
  const at = () => status.clock();
  return {
    name: 'cli',
    start: () => {},
    stop: async () => {},
    add(e: RunStreamEvent): void {
      if (e.type === 'anomaly' && e.anomaly.code === 'INTERRUPTED_RUN_FOUND') io.err(esc(e.anomaly.message));
      if (json) return;
      const guard = status.observe(e);
      if (guard) io.out(guard);
      if (e.type === 'pulse') io.out(esc(liveLine(run, e.pulse, status.clock()) + status.suffix(e.pulse)));
      else if (e.type === 'event') {
        const k = e.event.kind;
        if (k === 'target' || k === 'run' || k.startsWith('chaos')) io.out(`${at()} ${esc(e.event.message)}`);
      } else if (e.type === 'anomaly' && e.anomaly.code !== 'INTERRUPTED_RUN_FOUND')
        io.out(`${at()} ANOMALY ${e.anomaly.severity} ${esc(e.anomaly.code)}: ${esc(e.anomaly.message)}`);
    },
  };
}
