/**
 * The per-run ledger (Chaos Toolkit's journal, with a hash chain): one JSON object per line,
 *   {"seq":N,"at":<ms>,"type":"...","prev":"<sha256 hex of the previous line>","data":...}
 * Each line is written with writeSync the moment it is appended, so a kill -9 loses nothing already
 * appended; durable records and flush() also fdatasync. A write that fails marks the ledger failed
 * and every later append throws the same code: the ledger is never silently inconsistent.
 *
 * Lines are canonical JSON (fixed record key order, object keys sorted, no blanks), so a verifier
 * can tell a rewritten line from the one that was signed byte for byte. Reading and verifying
 * live in ledger-read.ts; finding the ledgers of interrupted runs in ledger-interrupted.ts.
 */
import { LabError } from '../util/errors';
import { canonicalJson } from '../util/canonical-json';
import {
  LEDGER_VERSION,
  OPEN_RECORD,
  sha256,
  genesisHash,
  recordLine,
  errText,
  type LedgerRecord,
} from './ledger-format';
import { appendLedgerFile, openLedgerFile, type LedgerFile, type LedgerFileFactory } from './ledger-file';
import { verifyLedger } from './ledger-read';

export interface LedgerOpenOptions {
  runId: string;
  fileFactory?: LedgerFileFactory;
  /** Clock for `at`; tests pin it. */
  now?: () => number;
}

export interface AppendOptions {
  /** fdatasync before returning: for records whose loss on power failure would matter. */
  durable?: boolean;
}

export class Ledger {
  private seq = 0;
  private headHash: string;
  private failure: LabError | null = null;
  private closed = false;
  /** Bytes written since the last successful fdatasync: a clean ledger skips the syscall. */
  private dirty = false;
  /** A background fdatasync is under way (syncSoon), and whether another is wanted after it. */
  private syncing = false;
  private syncAgain = false;
  /** close() came while a background sync held the descriptor: it is closed when that ends. */
  private closeWhenIdle = false;
  private idleWaiters: (() => void)[] = [];

  private constructor(
    readonly path: string,
    readonly runId: string,
    private readonly file: LedgerFile,
    private readonly now: () => number,
  ) {
    this.headHash = genesisHash(runId);
  }

  /** Creates the ledger file (never reuses one) and writes its durable `ledger.open` record. */
  static open(path: string, opts: LedgerOpenOptions): Ledger {
    if (!opts.runId) throw new LabError('INTERNAL', 'a ledger needs a run id');
    let file: LedgerFile;
    try {
      file = (opts.fileFactory ?? openLedgerFile)(path);
    } catch (err) {
      throw new LabError('LEDGER_WRITE_FAILED', `cannot create ledger ${path}: ${errText(err)}`);
    }
    const ledger = new Ledger(path, opts.runId, file, opts.now ?? Date.now);
    try {
      ledger.append(OPEN_RECORD, { runId: opts.runId, version: LEDGER_VERSION }, { durable: true });
    } catch (err) {
      ledger.closeQuietly();
      throw err;
    }
    return ledger;
  }

  /**
   * Continues a finished ledger's chain (a review after `run.end`). The whole chain is verified
   * first; a torn, broken or unreadable ledger is refused with the verifier's code, never repaired:
   * appending to it would sign over the damage.
   */
  static openForAppend(
    path: string,
    opts: { now?: () => number; fileFactory?: LedgerFileFactory } = {},
  ): Ledger {
    const v = verifyLedger(path);
    if (!v.ok || v.runId === null || v.goodHead === null)
      throw new LabError(v.code ?? 'LEDGER_PARSE', `will not append to ledger ${path}: ${v.detail}`);
    let file: LedgerFile;
    try {
      file = (opts.fileFactory ?? appendLedgerFile)(path);
    } catch (err) {
      throw new LabError('LEDGER_WRITE_FAILED', `cannot open ledger ${path} for append: ${errText(err)}`);
    }
    const ledger = new Ledger(path, v.runId, file, opts.now ?? Date.now);
    ledger.seq = v.records;
    ledger.headHash = v.goodHead;
    return ledger;
  }

  append(type: string, data: unknown, opts: AppendOptions = {}): LedgerRecord {
    this.assertWritable();
    if (!type) throw new LabError('INTERNAL', 'a ledger record needs a type');
    // Serialising first means bad data (circular, bigint) throws before a byte is written.
    const dataJson = canonicalJson(data);
    const record: LedgerRecord = {
      seq: this.seq + 1,
      at: Math.floor(this.now()),
      type,
      prev: this.headHash,
      data: JSON.parse(dataJson) as unknown,
    };
    const line = recordLine(record, dataJson);
    this.dirty = true;
    this.writeAll(Buffer.from(`${line}\n`, 'utf8'), record.seq);
    this.seq = record.seq;
    this.headHash = sha256(line);
    if (opts.durable) this.syncOrFail(`record ${record.seq} was written but could not be synced`);
    return record;
  }

  /** fdatasync everything appended so far. The engine calls this on a fixed period. */
  flush(): void {
    this.assertWritable();
    this.syncOrFail('flush failed');
  }

  /**
   * fdatasync everything appended so far, off the event loop (libuv's pool), so the engine's timers
   * never wait on the disk. Calls coalesce: one sync in flight, at most one more after it for what
   * was written meanwhile. A failure fails the ledger closed exactly as a synchronous one does, and
   * is handed to `onFailure`. A file layer with no asynchronous sync is synced here and now.
   */
  syncSoon(onFailure: (err: LabError) => void): void {
    if (this.failure || this.closed || !this.dirty) return;
    const file = this.file;
    if (!file.syncAsync) {
      try {
        this.syncOrFail('sync failed');
      } catch (err) {
        onFailure(err as LabError);
      }
      return;
    }
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    this.dirty = false;
    file.syncAsync((err) => {
      this.syncing = false;
      // Reported even after close(): its own sync may have passed over pages this one lost.
      if (err && !this.failure) {
        this.failure = new LabError(
          'LEDGER_WRITE_FAILED',
          `ledger ${this.path}: sync failed: ${errText(err)}`,
        );
        onFailure(this.failure);
      }
      if (this.syncAgain && !this.closed && !this.failure) {
        this.syncAgain = false;
        this.syncSoon(onFailure);
        return;
      }
      this.syncAgain = false;
      if (this.closeWhenIdle) this.closeFile();
      for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves once no background sync is under way (its failure, if any, is then in `failed`). */
  idle(): Promise<void> {
    return this.syncing ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  /** sha256 of the last line written: what a report signs to pin the ledger. */
  head(): string {
    return this.headHash;
  }

  count(): number {
    return this.seq;
  }

  get failed(): LabError | null {
    return this.failure;
  }

  /** Flushes once more (unless the ledger already failed) and closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.failure) this.syncOrFail('final flush failed');
    } finally {
      this.closeQuietly();
    }
  }

  private closeQuietly(): void {
    this.closed = true;
    // A background fdatasync still holds the descriptor: closing it now could let a new file
    // take its number under that sync.
    if (this.syncing) this.closeWhenIdle = true;
    else this.closeFile();
  }

  private closeFile(): void {
    this.closeWhenIdle = false;
    try {
      this.file.close();
    } catch {
      /* the data was synced or the ledger is already marked failed */
    }
  }

  private assertWritable(): void {
    if (this.failure)
      throw new LabError(
        'LEDGER_WRITE_FAILED',
        `ledger ${this.path} failed earlier: ${this.failure.message}`,
      );
    if (this.closed) throw new LabError('LEDGER_WRITE_FAILED', `ledger ${this.path} is closed`);
  }

  private writeAll(buf: Buffer, seq: number): void {
    let off = 0;
    try {
      while (off < buf.length) {
        const n = this.file.write(buf.subarray(off));
        if (!(n > 0)) throw new Error(`write made no progress (returned ${n})`);
        off += n;
      }
    } catch (err) {
      const torn = off > 0 ? ` after ${off} of ${buf.length} bytes (the file now ends in a torn line)` : '';
      this.fail(`record ${seq} could not be written${torn}: ${errText(err)}`);
    }
  }

  private syncOrFail(what: string): void {
    // A background sync under way has not yet made its bytes durable: sync them here too.
    if (!this.dirty && !this.syncing) return;
    try {
      this.file.sync();
      this.dirty = false;
    } catch (err) {
      this.fail(`${what}: ${errText(err)}`);
    }
  }

  private fail(message: string): never {
    this.failure = new LabError('LEDGER_WRITE_FAILED', `ledger ${this.path}: ${message}`);
    throw this.failure;
  }
}

export {
  LEDGER_VERSION,
  LEDGER_FILE_NAME,
  OPEN_RECORD,
  END_RECORD,
  genesisHash,
  type LedgerRecord,
} from './ledger-format';
