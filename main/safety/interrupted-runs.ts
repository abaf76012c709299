/**
 * After a crash (kill -9 of the CLI, serve or the console mid-probe) every start recovers: the CLI
 * (in the runner, under the folder lock), `probe-lab serve` and the Electron engine host call
 * `recoverInterruptedRuns` when they start, not only when the next probe starts.
 *
 * Interrupted runs are found by their cgroups first: any Probe Lab run cgroup whose owner process
 * is gone is killed whole (cgroup.kill reaches setsid, double-forked and `env -i` daemons) and
 * removed. Then, as the fallback for hosts without cgroups, by PROBE_LAB_RUN_ID in each process's
 * environment (never by a bare pid, which may have been reused). A run is interrupted when its
 * ledger has no `run.end` (or a torn last line); it is marked beside its ledger with the last
 * verified record and any survivors. The ledger itself is left exactly as the crash left it.
 *
 * A report folder whose lock a live process other than this one holds is a live run's: nothing in
 * it is touched (its cgroup has a live owner too, so the sweep leaves it alone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { findInterruptedLedgers } from '../evidence/ledger-interrupted';
import { sweepOrphanGuardRoutes, sweepOrphanNamespaces } from '../lab/netns';
import { killTree, processesOfRun } from '../lab/process-tree';
import { writeFileAtomic } from '../util/atomic-file';
import { sweepOrphanRunCgroups, type OrphanRunCgroup } from './orphan-cgroups';
import { pidAlive, readLock } from './run-lock';

export { processesOfRun } from '../lab/process-tree';

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
  /** How its processes were found: its cgroup (every descendant), or only by run id in the environment. */
  foundBy: 'cgroup' | 'run id';
  markerPath: string;
}

/**
 * What the cgroup sweeps of this process found, by run id: a sweep at start may kill a run's
 * processes before its report folder is scanned, and the marker must still name them.
 */
const swept = new Map<string, OrphanRunCgroup>();

/** Kills every orphaned Probe Lab run cgroup on this host (owner gone); cheap when there is none. */
export async function sweepOrphans(): Promise<OrphanRunCgroup[]> {
  const found = await sweepOrphanRunCgroups();
  // After the cgroups (their processes are gone by now): a crashed run's namespaces and veth pairs.
  sweepOrphanNamespaces();
  sweepOrphanGuardRoutes();
  for (const o of found) {
    const had = swept.get(o.runId);
    swept.set(
      o.runId,
      had ? { ...o, killedPids: [...had.killedPids, ...o.killedPids], survivors: o.survivors } : o,
    );
  }
  return found;
}

function lockedByAnother(outDir: string): boolean {
  const held = readLock(outDir);
  return held !== null && held.pid !== process.pid && pidAlive(held.pid);
}

export async function recoverInterruptedRuns(
  outDir: string,
  exceptRunId?: string,
): Promise<InterruptedRun[]> {
  await sweepOrphans();
  const runsDir = path.join(outDir, 'runs');
  if (!fs.existsSync(runsDir) || lockedByAnother(outDir)) return [];
  const found: InterruptedRun[] = [];
  for (const l of findInterruptedLedgers(runsDir)) {
    // A ledger whose first line is unreadable names no run: fall back to its folder's name.
    const runId = l.runId ?? path.basename(path.dirname(l.path));
    if (runId === exceptRunId) continue;
    const markerPath = path.join(path.dirname(l.path), INTERRUPTED_MARKER);
    if (fs.existsSync(markerPath)) continue;
    const byCgroup = swept.get(runId);
    const pids = processesOfRun(runId);
    const byEnv = pids.length ? await killTree(pids) : { survivors: [] as number[] };
    const survivors = [...new Set([...(byCgroup?.survivors ?? []), ...byEnv.survivors])];
    const entry: InterruptedRun = {
      runId,
      ledgerPath: l.path,
      lastGoodSeq: l.lastGoodSeq,
      lastGoodHead: l.lastGoodHead,
      records: l.records,
      torn: l.torn ? { bytes: l.torn.bytes } : null,
      killedPids: [...new Set([...(byCgroup?.killedPids ?? []), ...pids])],
      survivors,
      foundBy: byCgroup ? 'cgroup' : 'run id',
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
