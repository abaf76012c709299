/**
 * Finding the ledgers of runs that never ended (a crash, a kill -9): the next start marks them
 * interrupted (main/safety/interrupted-runs.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { END_RECORD, LEDGER_FILE_NAME } from './ledger-format';
import { readLedgerBuffer, verifyLedgerBuffer, type LedgerRead } from './ledger-read';

export interface InterruptedLedger {
  path: string;
  runId: string | null;
  /** Seq of the last line of the intact chain prefix (0 when none). */
  lastGoodSeq: number;
  lastGoodHead: string | null;
  torn: LedgerRead['torn'];
  /** Records in the intact prefix. */
  records: number;
}

const MAX_SCAN_DEPTH = 3;

/** Ledgers under rootDir (up to 3 folders deep) whose run never wrote `run.end`, or that end torn. */
export function findInterruptedLedgers(rootDir: string): InterruptedLedger[] {
  const out: InterruptedLedger[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isFile() && e.name === LEDGER_FILE_NAME) {
        const found = inspect(p);
        if (found) out.push(found);
      } else if (e.isDirectory() && depth < MAX_SCAN_DEPTH) walk(p, depth + 1);
    }
  };
  walk(rootDir, 0);
  return out;
}

function inspect(path: string): InterruptedLedger | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return null;
  }
  const read = readLedgerBuffer(buf);
  const ended = read.records.some((r) => r.type === END_RECORD);
  if (ended && !read.torn) return null;
  const v = verifyLedgerBuffer(buf);
  return {
    path,
    runId: v.runId,
    lastGoodSeq: v.goodLines,
    lastGoodHead: v.goodHead,
    torn: read.torn,
    records: v.goodLines,
  };
}
