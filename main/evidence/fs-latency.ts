/**
 * File I/O delays (seed 000 section 5): at each pulse, a small write plus fdatasync in the run's
 * folder and in each target's working folder, and a read of the governance folder, each timed.
 *
 * Everything goes through fs.promises (the libuv thread pool), so a stalled disk never blocks the
 * event loop; each operation races its own deadline, and one still stuck from an earlier pulse is
 * not started again (it is reported as still running, for as long as it has run).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileIoEntry, FileIoFigure } from '../model/evidence';

/** What is written: small enough to cost nothing, one block so fdatasync really reaches the disk. */
export const PROBE_WRITE_BYTES = 4096;
/** The governance read stops after this many files or bytes: it times the folder, not its size. */
const READ_MAX_FILES = 64;
const READ_MAX_BYTES = 1 << 20;

export interface FsTarget {
  label: string;
  dir: string;
  op: 'write' | 'read';
}

async function timedWrite(dir: string): Promise<void> {
  const file = path.join(dir, `.probe-lab-io-${crypto.randomBytes(4).toString('hex')}`);
  const h = await fs.open(file, 'w');
  try {
    await h.write(Buffer.alloc(PROBE_WRITE_BYTES, 0x2e));
    await h.datasync();
  } finally {
    await h.close();
    await fs.rm(file, { force: true });
  }
}

async function timedRead(dir: string): Promise<void> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (files >= READ_MAX_FILES || bytes >= READ_MAX_BYTES) return;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        files++;
        const h = await fs.open(p, 'r');
        try {
          const buf = Buffer.alloc(Math.min(64 * 1024, READ_MAX_BYTES - bytes));
          bytes += (await h.read(buf, 0, buf.length, 0)).bytesRead;
        } finally {
          await h.close();
        }
      }
    }
  };
  await walk(dir);
}

export class FsLatencyProbe {
  /** Operations still running (from an earlier pulse), by `op:dir`, with their start. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly cfg: { warnMs: number; critMs: number; deadlineMs: number }) {}

  async measure(targets: readonly FsTarget[]): Promise<FileIoFigure> {
    const entries = await Promise.all(targets.map((t) => this.one(t)));
    const maxMs = entries.reduce((m, e) => Math.max(m, e.ms ?? 0), 0);
    return {
      at: Date.now(),
      maxMs,
      class: maxMs >= this.cfg.critMs ? 'critical' : maxMs >= this.cfg.warnMs ? 'warning' : 'ok',
      entries,
    };
  }

  private async one(t: FsTarget): Promise<FileIoEntry> {
    const key = `${t.op}:${t.dir}`;
    const base = { label: t.label, path: t.dir, op: t.op };
    const since = this.inFlight.get(key);
    if (since !== undefined)
      return {
        ...base,
        ms: Date.now() - since,
        timedOut: true,
        error: 'still running from an earlier pulse',
      };
    const start = performance.now();
    this.inFlight.set(key, Date.now());
    const work = (t.op === 'write' ? timedWrite(t.dir) : timedRead(t.dir)).finally(() =>
      this.inFlight.delete(key),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((r) => {
      timer = setTimeout(() => r('deadline'), this.cfg.deadlineMs);
    });
    try {
      const r = await Promise.race([work.then(() => 'done' as const), deadline]);
      const ms = Math.round(performance.now() - start);
      return r === 'deadline' ? { ...base, ms, timedOut: true } : { ...base, ms, timedOut: false };
    } catch (err) {
      return { ...base, ms: null, timedOut: false, error: String((err as Error).message ?? err) };
    } finally {
      clearTimeout(timer);
      // A late failure after the deadline has nobody to tell; it must not be unhandled.
      work.catch(() => {});
    }
  }
}

/** One line for the live view and the report: the slowest operation and its class. */
export function fileIoText(f: FileIoFigure): string {
  const worst = f.entries.reduce<FileIoEntry | null>((w, e) => ((e.ms ?? 0) >= (w?.ms ?? -1) ? e : w), null);
  const failed = f.entries.filter((e) => e.ms === null).length;
  return `io ${f.maxMs} ms${worst && f.class !== 'ok' ? ` (${worst.op} ${worst.label}${worst.timedOut ? ', deadline' : ''})` : ''}${failed ? ` ${failed} failed` : ''}`;
}
