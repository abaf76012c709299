/**
 * Files the observer reads every second (a cell's cpu.stat, memory.current and cgroup.procs; the
 * host's /proc/stat and /proc/meminfo) kept open and read with one pread from offset 0: kernfs and
 * procfs regenerate the text on each read at 0, so this is the same figure as open + read + close
 * at a third of the system calls (bench/observer-overhead.ts measures what it saves).
 */
import fs from 'node:fs';

/** One read covers every file read this way except a cgroup.procs of thousands of pids. */
const CHUNK = 16 * 1024;
const buf = Buffer.allocUnsafe(CHUNK);

export class KeptFiles {
  private readonly fds = new Map<string, number>();
  /**
   * Files that do not exist: a hybrid host's v2 cell has no memory.current (memory is a v1
   * controller there), and asking again every second would cost a failed open and an exception.
   */
  private readonly absent = new Set<string>();

  /** The file's text now, or null when it cannot be opened or read (a removed cgroup). */
  read(file: string): string | null {
    // A stale descriptor (the cgroup was removed and made again) fails once; the retry reopens.
    for (let attempt = 0; attempt < 2; attempt++) {
      const fd = this.open(file);
      if (fd === null) return null;
      try {
        return readAll(fd);
      } catch {
        this.forget(file);
      }
    }
    return null;
  }

  close(): void {
    for (const file of [...this.fds.keys()]) this.forget(file);
    this.absent.clear();
  }

  private open(file: string): number | null {
    const have = this.fds.get(file);
    if (have !== undefined) return have;
    if (this.absent.has(file)) return null;
    try {
      const fd = fs.openSync(file, 'r');
      this.fds.set(file, fd);
      return fd;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.absent.add(file);
      return null;
    }
  }

  private forget(file: string): void {
    const fd = this.fds.get(file);
    this.fds.delete(file);
    if (fd === undefined) return;
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}

function readAll(fd: number): string {
  let n = fs.readSync(fd, buf, 0, CHUNK, 0);
  if (n < CHUNK) return buf.toString('utf8', 0, n);
  const parts = [Buffer.from(buf.subarray(0, n))];
  let pos = n;
  while ((n = fs.readSync(fd, buf, 0, CHUNK, pos)) > 0) {
    parts.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return Buffer.concat(parts).toString('utf8');
}
