/**
 * The ledger as a run output: opened before anything runs, every stream event appended once under
 * its type, journal records (run.start, target.spawn, chaos.*, ...) appended through `record`.
 * Fail closed: a record that cannot be written halts the run; evidence is never silently lost.
 */
import type { Ledger } from '../evidence/ledger';
import type { LedgerFileFactory } from '../evidence/ledger-file';
import { openRetryingLedger } from '../evidence/ledger-retry';
import type { RunStreamEvent } from '../model/api';
import { toCodedError, type LabError } from '../util/errors';
import type { RunConclusion, RunOutput } from './output';

/**
 * The ledger is fsync'd at least this often; pulses, anomalies and journal records marked durable
 * get an fsync started at once. Both run off the event loop (Ledger.syncSoon), so a slow disk never
 * delays a pulse or snapshot timer; only run.end is synced in place, after every such sync ended.
 */
const LEDGER_FLUSH_MS = 1000;

/** Stream events as ledger records: type, payload, and whether it is fsync'd at once. */
function asRecord(e: RunStreamEvent): [string, unknown, boolean] | null {
  switch (e.type) {
    case 'pulse':
      return ['pulse', e.pulse, true];
    case 'sample':
      return ['sample', e.sample, false];
    case 'snapshot':
      return ['snapshot', e.snapshot, false];
    case 'tes':
      return ['tes', e.tes, false]; // the final scores are made durable by run.end right after
    case 'integrity':
      return ['integrity', e.integrity, false];
    case 'event':
      return ['event', e.event, false];
    case 'anomaly':
      return ['anomaly', e.anomaly, true];
    case 'targets':
      return ['targets', e.targets, false];
    case 'end':
      return null; // run.end is written by stop(), with what only the conclusion holds
  }
}

export class LedgerOutput implements RunOutput {
  readonly name = 'ledger';
  readonly required = true;
  /** Set once a write or flush failed: the reason, for run.end and the report. */
  failure: string | null = null;
  private readonly ledger: Ledger;
  private flusher: NodeJS.Timeout | null = null;
  private closed = false;
  private summaryAtClose = { records: 0, head: '' };

  /** Opens the file now (a refusal reaches the caller before anything runs). */
  constructor(
    readonly file: string,
    opts: { runId: string; fileFactory?: LedgerFileFactory },
    private readonly onFailure: (reason: string) => void,
  ) {
    // Write failures are retried with a visible record of each attempt, then fail closed.
    this.ledger = openRetryingLedger(file, {
      runId: opts.runId,
      ...(opts.fileFactory ? { fileFactory: opts.fileFactory } : {}),
    });
  }

  start(): void {
    this.flusher = setInterval(() => this.ledger.syncSoon(this.syncFailed), LEDGER_FLUSH_MS);
  }

  private readonly syncFailed = (err: LabError): void => {
    this.failure ??= `${err.code}: ${err.message}`;
    this.onFailure('ledger sync failed');
  };

  add(e: RunStreamEvent): void {
    const r = asRecord(e);
    if (r) this.record(r[0], r[1], r[2]);
  }

  /** Appends a journal record; never throws (a failure halts the run instead). */
  record(type: string, data: unknown, durable = false): void {
    this.append(type, data, durable ? 'soon' : 'none');
  }

  /** `soon`: an fsync starts now, off the event loop; `now`: synced before this returns. */
  private append(type: string, data: unknown, sync: 'none' | 'soon' | 'now'): void {
    if (this.closed || this.failure) return;
    try {
      this.ledger.append(type, data, { durable: sync === 'now' });
      if (sync === 'soon') this.ledger.syncSoon(this.syncFailed);
    } catch (err) {
      const coded = toCodedError(err);
      this.failure = `${coded.code}: ${coded.message}`;
      this.onFailure(`ledger write failed (${coded.code})`);
    }
  }

  async stop(end: RunConclusion): Promise<void> {
    this.disposeFlusher();
    // A background sync's failure must be in run.end (or stop it being written), never after it.
    await this.ledger.idle();
    this.append(
      'run.end',
      {
        verdict: end.verdict,
        haltReason: end.haltReason,
        ledgerFailure: this.failure,
        thresholds: end.thresholds,
        skippedPulses: end.skippedPulses,
        observerErrors: end.recorded.observerErrors,
      },
      'now',
    );
    this.close();
  }

  /** Record count and head hash, as the report binds them. */
  summary(): { records: number; head: string } {
    return this.closed ? this.summaryAtClose : { records: this.ledger.count(), head: this.ledger.head() };
  }

  /** Flushes and closes once; safe to call again (a run that failed before its end). */
  close(): void {
    this.disposeFlusher();
    if (this.closed) return;
    try {
      this.ledger.flush();
    } catch {
      /* the failure is already in this.failure or the last record says it */
    }
    this.summaryAtClose = { records: this.ledger.count(), head: this.ledger.head() };
    this.closed = true;
    this.ledger.close();
  }

  private disposeFlusher(): void {
    if (this.flusher) clearInterval(this.flusher);
    this.flusher = null;
  }
}
