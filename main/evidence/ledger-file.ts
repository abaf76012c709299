/**
 * The file layer under the ledger, kept tiny so a fault injector can replace it: disk full, EIO
 * and short writes are all things `write` and `sync` may do, and the ledger must survive each.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LedgerFile {
  /** Writes from the start of `buf`; returns the bytes written, which may be fewer than asked. */
  write(buf: Buffer): number;
  /** Makes everything written so far durable (fdatasync). */
  sync(): void;
  /**
   * The same, off the event loop (libuv's thread pool); `done` gets the error or null. Optional: a
   * file layer without it is synced in place by Ledger.syncSoon().
   */
  syncAsync?(done: (err: Error | null) => void): void;
  /** Idempotent. */
  close(): void;
}

export type LedgerFileFactory = (path: string) => LedgerFile;

/** Creates `path` exclusively (a ledger is never reopened or overwritten) and makes its name durable. */
export const openLedgerFile: LedgerFileFactory = (path) => {
  const fd = openSync(path, 'wx', 0o644);
  syncDir(dirname(path));
  let closed = false;
  return {
    write: (buf) => writeSync(fd, buf, 0, buf.length),
    sync: () => fdatasyncSync(fd),
    syncAsync: (done) => fdatasync(fd, done),
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
};

/** Opens an existing ledger to continue it: append-only, never created here. */
export const appendLedgerFile: LedgerFileFactory = (path) => {
  const fd = openSync(path, 'a');
  let closed = false;
  return {
    write: (buf) => writeSync(fd, buf, 0, buf.length),
    sync: () => fdatasyncSync(fd),
    syncAsync: (done) => fdatasync(fd, done),
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
};

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch {
    /* some filesystems refuse fsync on a folder; the file itself is still synced on every flush */
  } finally {
    closeSync(fd);
  }
}
