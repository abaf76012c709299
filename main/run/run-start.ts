/**
 * What a run records before it acts: the run.start journal record (the plan, the confirmation
 * without its MAC, the host, the resolved commands), and the interrupted runs it found.
 */
import os from 'node:os';
import type { Plan } from '../model/plan';
import type { Confirmation } from '../safety/confirmation';
import { recoverInterruptedRuns, type InterruptedRun } from '../safety/interrupted-runs';
import type { PreparedTarget } from './targets';
import type { ContainmentInfo } from '../safety/containment';

export function recordRunStart(
  c: {
    runId: string;
    plan: Plan;
    prepared: readonly PreparedTarget[];
    containment: ContainmentInfo | null;
    record(type: string, data: unknown, durable: boolean): void;
  },
  confirmation: Confirmation,
): void {
  const { mac: _mac, ...confirmed } = confirmation;
  c.record(
    'run.start',
    {
      runId: c.runId,
      plan: c.plan,
      confirmation: confirmed,
      pid: process.pid,
      host: hostInfo(),
      containment: c.containment,
      targets: c.prepared.map((p) => ({
        id: p.instanceId,
        command: p.describe.command,
        args: p.describe.args,
      })),
    },
    true,
  );
}

/**
 * Interrupted runs in this report folder, found only while this run holds the folder's lock (a
 * live probe there is never mistaken for a dead one): their leftover processes killed, each
 * marked interrupted.
 */
export async function findInterruptedRuns(
  outDir: string,
  runId: string,
): Promise<{ found: { message: string; data: Record<string, unknown> }[]; error: string | null }> {
  let runs: InterruptedRun[];
  try {
    runs = await recoverInterruptedRuns(outDir, runId);
  } catch (err) {
    return { found: [], error: String(err) };
  }
  return {
    error: null,
    found: runs.map((r) => ({
      message: `found interrupted run ${r.runId}: last verified record ${r.lastGoodSeq}${r.torn ? `, torn tail of ${r.torn.bytes} bytes` : ''}; ${r.killedPids.length} leftover process(es) killed${r.survivors.length ? `, SURVIVORS ${r.survivors.join(',')}` : ''}; marked in ${r.markerPath}`,
      data: { ...r },
    })),
  };
}

function hostInfo() {
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()}`,
    cpus: os.cpus().length,
    memTotalMb: Math.round(os.totalmem() / 1048576),
    node: process.version,
  };
}
