/**
 * One probe per report folder at a time. The lock is a file created exclusively; a lock whose
 * owner process is gone is stale and is taken over (and said so), never silently shared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../util/errors';
import { readStat } from '../lab/process-tree';

export const LOCK_FILE = '.probe-lab.lock';

export interface FolderLock {
  path: string;
  /** A previous owner that died without releasing, if one was found. */
  staleFrom: { pid: number; runId: string } | null;
  release(): void;
}

/**
 * A zombie counts as dead: a crashed engine whose parent died too is reparented and may stay a
 * zombie for a while (kill(pid, 0) still succeeds on it), and its lock must not hold recovery off.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const st = readStat(pid);
  return st === null ? false : st.state !== 'Z' && st.state !== 'X';
}

export function readLock(dir: string): { pid: number; runId: string; at: number } | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as {
      pid: unknown;
      runId: unknown;
      at: unknown;
    };
    if (typeof v.pid === 'number' && typeof v.runId === 'string' && typeof v.at === 'number')
      return { pid: v.pid, runId: v.runId, at: v.at };
  } catch {
    /* missing or unreadable */
  }
  return null;
}

export function acquireFolderLock(dir: string, runId: string): FolderLock {
  const p = path.join(dir, LOCK_FILE);
  let staleFrom: FolderLock['staleFrom'] = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(p, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, runId, at: Date.now() }));
      fs.closeSync(fd);
      return {
        path: p,
        staleFrom,
        release: () => {
          if (readLock(dir)?.runId === runId) fs.rmSync(p, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(dir);
      if (held && pidAlive(held.pid)) {
        throw new LabError(
          'TARGET_BUSY',
          `report folder ${dir} is in use by run ${held.runId} (pid ${held.pid}); one probe per folder at a time`,
        );
      }
      staleFrom = held ? { pid: held.pid, runId: held.runId } : { pid: -1, runId: 'unknown' };
      fs.rmSync(p, { force: true });
    }
  }
  throw new LabError('TARGET_BUSY', `could not take the lock on ${dir}`);
}
