/**
 * After a crash (kill -9 of the CLI or the console mid-probe) the next start finds the interrupted
 * run: a ledger with no `run.end`, or with a torn last line. Its processes still alive are found by
 * the PROBE_LAB_RUN_ID every target inherits (never by a bare pid, which may have been reused) and
 * killed; the run is marked interrupted beside its ledger with the last verified record. Nothing is
 * repaired silently: the ledger itself is left exactly as the crash left it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findInterruptedLedgers } from '../evidence/ledger-interrupted';
import { killTree } from '../lab/process-tree';
import { writeFileAtomic } from '../util/atomic-file';

export const INTERRUPTED_MARKER = 'INTERRUPTED.json';

export interface InterruptedRun {
  runId: string;
  ledgerPath: string;
  lastGoodSeq: number;
  lastGoodHead: string | null;
  records: number;
  torn: { bytes: number } | null;
  killedPids: number[];
  survivors: number[];
  markerPath: string;
}

/** Pids of live processes whose environment carries PROBE_LAB_RUN_ID=<runId>. */
export function processesOfRun(runId: string): number[] {
  const needle = Buffer.from(`PROBE_LAB_RUN_ID=${runId}\0`);
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`);
      if (env.includes(needle)) out.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

export async function recoverInterruptedRuns(
  outDir: string,
  exceptRunId?: string,
): Promise<InterruptedRun[]> {
  const runsDir = path.join(outDir, 'runs');
  if (!fs.existsSync(runsDir)) return [];
  const found: InterruptedRun[] = [];
  for (const l of findInterruptedLedgers(runsDir)) {
    // A ledger whose first line is unreadable names no run: fall back to its folder's name.
    const runId = l.runId ?? path.basename(path.dirname(l.path));
    if (runId === exceptRunId) continue;
    const markerPath = path.join(path.dirname(l.path), INTERRUPTED_MARKER);
    if (fs.existsSync(markerPath)) continue;
    const pids = processesOfRun(runId);
    const { survivors } = pids.length ? await killTree(pids) : { survivors: [] as number[] };
    const entry: InterruptedRun = {
      runId,
      ledgerPath: l.path,
      lastGoodSeq: l.lastGoodSeq,
      lastGoodHead: l.lastGoodHead,
      records: l.records,
      torn: l.torn ? { bytes: l.torn.bytes } : null,
      killedPids: pids,
      survivors,
      markerPath,
    };
    writeFileAtomic(
      markerPath,
      `${JSON.stringify({ ...entry, markedAt: Date.now(), verdict: 'INTERRUPTED' }, null, 2)}\n`,
    );
    found.push(entry);
  }
  return found;
}
