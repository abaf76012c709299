/**
 * The start-up sweep of run cgroups whose owner is gone: a crashed or kill -9'd engine's targets,
 * however they detached, are still in its cells, and the cells' names say whose they were.
 */
import path from 'node:path';
import { CgroupCell, cgroupsOf, childCgroups, rmdirQuiet } from '../lab/cgroup';
import { readStat } from '../lab/process-tree';
import { GROUP, SIDES, cgroupMounts, killCells } from './containment';

export interface OrphanRunCgroup {
  runId: string;
  ownerPid: number;
  dir: string;
  killedPids: number[];
  survivors: number[];
}

/**
 * Every Probe Lab run cgroup whose owner process is gone (crash, kill -9): every process in it is
 * killed and the cgroups removed. Live runs (owner alive, same start time) are never touched.
 * Looks in both the v2 and the v1 freezer parents whatever mode is forced now.
 */
export async function sweepOrphanRunCgroups(): Promise<OrphanRunCgroup[]> {
  const { v2, v1 } = cgroupMounts();
  const parents: { main: string; flavor: 'v2' | 'v1' }[] = [];
  if (v2) {
    const own = cgroupsOf('self').get('') ?? '';
    const m = /^(.*\/user@\d+\.service)(\/|$)/.exec(own);
    parents.push({
      main: path.join(v2, process.getuid?.() === 0 ? '' : (m?.[1] ?? own), GROUP),
      flavor: 'v2',
    });
  }
  const fz = v1.get('freezer');
  if (fz) parents.push({ main: path.join(fz, cgroupsOf('self').get('freezer') ?? '/', GROUP), flavor: 'v1' });
  const side = [...SIDES]
    .map((c) => (v1.has(c) ? path.join(v1.get(c) as string, cgroupsOf('self').get(c) ?? '/', GROUP) : null))
    .filter((d): d is string => d !== null);
  const out: OrphanRunCgroup[] = [];
  for (const p of parents) {
    for (const dir of childCgroups(p.main)) {
      const m = /^(.+)@(\d+)\.(\d+)$/.exec(path.basename(dir));
      if (!m) continue;
      const ownerPid = Number(m[2]);
      const owner = readStat(ownerPid);
      if (owner && owner.state !== 'Z' && String(owner.starttimeTicks) === m[3]) continue;
      const cells = [dir, ...childCgroups(dir)].map((d) => new CgroupCell({ flavor: p.flavor, main: d }));
      const killedPids = cells.flatMap((c) => c.pids());
      const survivors = await killCells(cells);
      if (!survivors.length) {
        for (const s of side) for (const d of childCgroups(path.join(s, path.basename(dir)))) rmdirQuiet(d);
        for (const s of side) rmdirQuiet(path.join(s, path.basename(dir)));
        for (const c of cells.slice(1)) c.remove();
        rmdirQuiet(dir);
      }
      out.push({ runId: m[1] as string, ownerPid, dir, killedPids, survivors });
    }
  }
  return out;
}
