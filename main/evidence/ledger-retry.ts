/**
 * Retries of ledger writes, never silent (seed 003: NO_SILENT_RETRIES). A write that throws a
 * transient error (disk full, I/O error, interrupted, or a write that made no progress) is tried
 * again from the byte where it stopped, up to RETRY_DELAYS_MS.length more times; every attempt is
 * (1) appended at once to `ledger.faults.jsonl` beside the ledger, best effort, and (2) once the
 * record is whole, written into the ledger itself as a durable `ledger.write.retry` record, so the
 * signed chain shows each retry. When the attempts run out the ledger fails closed with
 * LEDGER_WRITE_FAILED (the message lists every attempt) and the run halts.
 *
 * A failed fdatasync is never retried: after a failed sync Linux may already have dropped the
 * dirty pages, so a second sync can succeed over lost data ("fsyncgate").
 */
import { appendFileSync, statSync } from 'node:fs';
import { Ledger, type AppendOptions, type LedgerOpenOptions } from './ledger';
import { openLedgerFile, type LedgerFile, type LedgerFileFactory } from './ledger-file';

/** Backoff before each retry: three retries within a quarter second, so a pulse is not held up. */
export const RETRY_DELAYS_MS = [10, 40, 160] as const;
/** Errors worth another try; anything else (EBADF, EROFS, EFBIG...) fails at once. */
export const RETRYABLE = new Set(['ENOSPC', 'EIO', 'EAGAIN', 'EINTR', 'NO_PROGRESS']);
export const RETRY_RECORD = 'ledger.write.retry';
export const FAULT_LOG_SUFFIX = '.faults.jsonl';
/** A retry record whose own write needs retries is recorded too, but not forever. */
const MAX_RETRY_RECORD_ROUNDS = 3;

export interface WriteAttempt {
  at: number;
  /** 1 for the first try. */
  attempt: number;
  op: 'write' | 'sync';
  code: string;
  message: string;
  /** Bytes of the file already written before this attempt. */
  fileOffset: number;
  /** What happened next: another try, or the ledger failed. */
  next: 'retry' | 'fail';
}

export interface RetryOptions {
  /**
   * The file's size on disk, checked after a failed write: bytes that landed before the error are
   * counted as written (a short write), so a retry never writes them twice.
   */
  sizeOf?: () => number;
  delaysMs?: readonly number[];
  /** Sleep used between tries; tests may pass a no-op. Defaults to a real blocking wait. */
  sleep?: (ms: number) => void;
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const codeOf = (err: unknown): string => {
  const c = (err as NodeJS.ErrnoException | null)?.code;
  return typeof c === 'string' ? c : 'UNKNOWN';
};

/** A LedgerFile that retries transient write errors and reports every attempt. */
export function retryingFile(
  inner: LedgerFile,
  onAttempt: (a: WriteAttempt) => void,
  opts: RetryOptions = {},
): LedgerFile {
  const delays = opts.delaysMs ?? RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? sleepSync;
  let offset = 0;
  const landedBytes = (): number => {
    try {
      return opts.sizeOf ? Math.max(0, opts.sizeOf() - offset) : 0;
    } catch {
      return 0;
    }
  };
  const syncFailed = (err: unknown): void =>
    onAttempt({
      at: Date.now(),
      attempt: 1,
      op: 'sync',
      code: codeOf(err),
      message: err instanceof Error ? err.message : String(err),
      fileOffset: offset,
      next: 'fail',
    });
  return {
    write(buf) {
      for (let attempt = 1; ; attempt++) {
        let n: number;
        let failure: { code: string; message: string; err: unknown };
        try {
          n = inner.write(buf);
          if (n > 0) {
            offset += n;
            return n;
          }
          failure = {
            code: 'NO_PROGRESS',
            message: `write returned ${n}`,
            err: new Error(`write made no progress (returned ${n})`),
          };
        } catch (err) {
          failure = { code: codeOf(err), message: err instanceof Error ? err.message : String(err), err };
        }
        const landed = landedBytes();
        const delay = delays[attempt - 1];
        const retry = RETRYABLE.has(failure.code) && delay !== undefined;
        onAttempt({
          at: Date.now(),
          attempt,
          op: 'write',
          code: failure.code,
          message: landed > 0 ? `${failure.message} (${landed} bytes had landed)` : failure.message,
          fileOffset: offset,
          next: retry ? 'retry' : 'fail',
        });
        if (!retry) throw failure.err;
        sleep(delay);
        if (landed > 0) {
          // Report what landed as a short write: the ledger asks again for the rest.
          offset += landed;
          return landed;
        }
      }
    },
    sync() {
      try {
        inner.sync();
      } catch (err) {
        syncFailed(err);
        throw err;
      }
    },
    ...(inner.syncAsync
      ? {
          syncAsync: (done: (err: Error | null) => void) =>
            inner.syncAsync?.((err) => {
              if (err) syncFailed(err);
              done(err);
            }),
        }
      : {}),
    close: () => inner.close(),
  };
}

export interface RetryingLedgerOptions extends LedgerOpenOptions, RetryOptions {}

/**
 * Ledger.open with retries: the drop-in for the runner (same Ledger, same file format). Every
 * append that needed retries is followed by a durable `ledger.write.retry` record of its attempts.
 */
export function openRetryingLedger(path: string, opts: RetryingLedgerOptions): Ledger {
  const pending: WriteAttempt[] = [];
  const faultLog = `${path}${FAULT_LOG_SUFFIX}`;
  const onAttempt = (a: WriteAttempt) => {
    pending.push(a);
    try {
      appendFileSync(faultLog, `${JSON.stringify(a)}\n`);
    } catch {
      /* the same disk may be full: the attempt still reaches the ledger or the failure message */
    }
  };
  const base: LedgerFileFactory = opts.fileFactory ?? openLedgerFile;
  let ledger: Ledger;
  try {
    ledger = Ledger.open(path, {
      ...opts,
      fileFactory: (p) => retryingFile(base(p), onAttempt, { sizeOf: () => statSync(p).size, ...opts }),
    });
  } catch (err) {
    throw withAttempts(err, pending.splice(0));
  }
  const append = ledger.append.bind(ledger);
  const drain = (forSeq: number) => {
    for (let round = 0; pending.length && round < MAX_RETRY_RECORD_ROUNDS; round++) {
      const attempts = pending.splice(0);
      append(RETRY_RECORD, { forSeq, attempts, outcome: 'written' }, { durable: true });
    }
  };
  ledger.append = (type: string, data: unknown, o?: AppendOptions) => {
    try {
      const r = append(type, data, o);
      drain(r.seq);
      return r;
    } catch (err) {
      throw withAttempts(err, pending.splice(0));
    }
  };
  const flush = ledger.flush.bind(ledger);
  ledger.flush = () => {
    try {
      flush();
    } catch (err) {
      throw withAttempts(err, pending.splice(0));
    }
  };
  drain(ledger.count());
  return ledger;
}

/** The coded error, with every attempt that could not be written into the ledger named in its message. */
function withAttempts(err: unknown, attempts: WriteAttempt[]): unknown {
  if (!attempts.length || !(err instanceof Error)) return err;
  err.message += `; attempts: ${attempts.map((a) => `#${a.attempt} ${a.op} ${a.code} -> ${a.next}`).join(', ')}`;
  return err;
}

// ---- fault injection ----

/** What the injector does on one write call (1-based, counting every call the ledger makes). */
export type InjectedFault = 'short' | 'torn-ENOSPC' | 'ENOSPC' | 'EIO' | 'EROFS' | 'zero';

export interface FaultPlan {
  /** Write call number -> fault; calls not named write normally. */
  writes?: ReadonlyMap<number, InjectedFault> | Record<number, InjectedFault>;
  /** Every fdatasync fails with this code. */
  syncFault?: string;
}

const injected = (code: string): Error =>
  Object.assign(new Error(`${code}: injected fault, write`), { code });

/**
 * The fault-injection seam (seed 003 task 3): a LedgerFileFactory that plays a FaultPlan against a
 * real ledger file. `torn-ENOSPC` lands half the buffer and then throws, as a disk that fills
 * mid-line can look to the ledger; `short` lands a third and returns the count honestly.
 */
export function faultInjectingFile(
  plan: FaultPlan,
  base: LedgerFileFactory = openLedgerFile,
): LedgerFileFactory {
  const at = (n: number): InjectedFault | undefined =>
    plan.writes instanceof Map
      ? plan.writes.get(n)
      : (plan.writes as Record<number, InjectedFault> | undefined)?.[n];
  return (p) => {
    const real = base(p);
    let call = 0;
    return {
      write(buf) {
        const fault = at(++call);
        switch (fault) {
          case undefined:
            return real.write(buf);
          case 'short':
            return real.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 3))));
          case 'torn-ENOSPC':
            real.write(buf.subarray(0, Math.floor(buf.length / 2)));
            throw injected('ENOSPC');
          case 'zero':
            return 0;
          default:
            throw injected(fault);
        }
      },
      sync() {
        if (plan.syncFault) throw injected(plan.syncFault);
        real.sync();
      },
      syncAsync(done) {
        const fault = plan.syncFault;
        if (fault) setImmediate(() => done(injected(fault)));
        else if (real.syncAsync) real.syncAsync(done);
        else {
          real.sync();
          setImmediate(() => done(null));
        }
      },
      close: () => real.close(),
    };
  };
}
