/**
 * Stopping one target, whichever containment it runs under. With a cell: SIGTERM to every process
 * in it and to the tree (a graceful stop), the named grace period, then the cell is killed as a
 * whole (cgroup.kill) and we wait until the kernel says it is empty; the tree walk runs after it as
 * belt and braces for a process that moved itself out of the cell (a root target can). Without a
 * cell: the tree walk, plus the processes found by run and target id in their environment.
 */
import type { CgroupCell } from './cgroup';
import {
  KILL_GRACE_MS,
  isAlive,
  killTree,
  processesOfRun,
  readStat,
  type ProcIdentity,
} from './process-tree';

/** After cgroup.kill, how long the kernel may take to tear the cell down before we name survivors. */
const CELL_KILL_SETTLE_MS = 700;

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export interface StopScope {
  cell: CgroupCell | null;
  roots: number[];
  /** Processes seen in the tree earlier (sampler), in case one left it. */
  seen: ProcIdentity[];
  /** For the weaker path: the run and target ids every process of the target inherits. */
  runId?: string;
  targetId?: string;
}

export async function stopTarget(s: StopScope, graceMs = KILL_GRACE_MS): Promise<{ survivors: number[] }> {
  if (!s.cell) {
    const byEnv = s.runId ? processesOfRun(s.runId, s.targetId) : [];
    const extra = [
      ...s.seen,
      ...byEnv.map((pid) => ({ pid, starttimeTicks: readStat(pid)?.starttimeTicks ?? -1 })),
    ];
    return killTree(s.roots, graceMs, extra);
  }
  const cell = s.cell;
  // A cell frozen by a chaos pause could not act on SIGTERM, and a frozen v1 cell cannot be killed.
  cell.thaw();
  for (const root of s.roots) if (readStat(root)?.pgrp === root) signal(-root, 'SIGTERM');
  for (const pid of cell.pids()) signal(pid, 'SIGTERM');
  if (!(await cell.waitEmpty(graceMs))) {
    await cell.killAll();
    await cell.waitEmpty(CELL_KILL_SETTLE_MS);
  }
  const outside = await killTree(
    s.roots.filter(isAlive),
    0,
    s.seen.filter((p) => isAlive(p.pid)),
  );
  return { survivors: [...new Set([...cell.pids(), ...outside.survivors])] };
}
