/**
 * Which containment a run gets, decided at run time from what the host allows, and said in every
 * preview and report (never silently pretended):
 *
 * - `cgroup v2`: a writable v2 tree (root, or the user's delegated `user@<uid>.service` subtree).
 *   Halt is `cgroup.kill`, pauses are `cgroup.freeze`, CPU is `cpu.stat`. On a hybrid host whose
 *   v2 tree has no memory controller, memory comes from a v1 memory hierarchy beside it.
 * - `cgroup v1`: the freezer hierarchy holds the processes (Halt = freeze, SIGKILL all, thaw),
 *   memory and cpuacct give the figures.
 * - `pid namespace (no cgroup)`: where no cgroup can be made but `unshare` can, each agent runs as
 *   the init of a PID namespace of its own (main/lab/pid-namespace.ts): nothing it starts can leave
 *   it, and when it dies the kernel kills everything inside. Figures come from the tree walk.
 * - `process tree (weaker)`: today's /proc tree walk plus a search by run id in the environment;
 *   a daemon that left the tree and cleared its environment (`env -i setsid ...`) escapes it.
 *
 * Each run's cgroup is `<parent>/probe-lab/<runId>@<ownerPid>.<ownerStartTicks>`, one cell per target
 * inside it. The owner in the name lets any later start tell an orphaned run (owner gone) from a
 * live one without any other state, whatever report folder the run wrote to.
 *
 * PROBE_LAB_CONTAINMENT=auto|cgroup-v2|cgroup-v1|pid-namespace|process-tree forces a mode (tests, and a user who
 * wants the weaker one); a forced mode the host cannot give falls back and says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CgroupCell, cgroupsOf, rmdirQuiet, type CellDirs } from '../lab/cgroup';
import { ownerTag, RunNetworks } from '../lab/netns';
import { enginePriority } from '../lab/priority';
import { pidNamespaceSupport, wrapInPidNamespace, type PidNamespaceSupport } from '../lab/pid-namespace';
import { LabError } from '../util/errors';

export type ContainmentMode = 'cgroup-v2' | 'cgroup-v1' | 'pid-namespace' | 'process-tree';

export const CONTAINMENT_LABELS: Record<ContainmentMode, string> = {
  'cgroup-v2': 'cgroup v2',
  'cgroup-v1': 'cgroup v1',
  'pid-namespace': 'pid namespace (no cgroup)',
  'process-tree': 'process tree (weaker)',
};

export interface ContainmentInfo {
  mode: ContainmentMode;
  label: string;
  /** What was found and why this mode (and not a stronger one) is in force. */
  detail: string;
  /** The Probe Lab parent cgroup (kill hierarchy), null for the process tree. */
  parent: string | null;
}

interface Parents {
  main: string;
  memory?: string;
  cpuacct?: string;
  blkio?: string;
}

/** v1 hierarchies a cell may also sit in, beside its main one (figures and I/O limits). */
export const SIDES = ['memory', 'cpuacct', 'blkio'] as const;

function sideDirs(p: Parents, name: string): Partial<Parents> {
  const out: Partial<Parents> = {};
  for (const k of SIDES) if (p[k]) out[k] = path.join(p[k], name);
  return out;
}

interface Layout {
  info: ContainmentInfo;
  parents: Parents | null;
  /** Set in the pid-namespace mode: how each agent is wrapped. */
  pidns?: PidNamespaceSupport;
}

export const GROUP = 'probe-lab';
/** How long a killed cell may take to empty before its processes are called survivors. */
export const CELL_SETTLE_MS = 1500;
const SYSTEMD_RUN_PROBE_MS = 3000;

export function cgroupMounts(): { v2: string | null; v1: Map<string, string> } {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    /* no /proc: no cgroups either */
  }
  let v2: string | null = null;
  const v1 = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, mnt, type, opts] = line.split(' ');
    if (!mnt || !type) continue;
    if (type === 'cgroup2') v2 ??= mnt;
    else if (type === 'cgroup') for (const o of (opts ?? '').split(',')) if (!v1.has(o)) v1.set(o, mnt);
  }
  return { v2, v1 };
}

/** Makes `dir` (and parents) and proves it is a usable cgroup: it has a cgroup.procs we may write. */
function usableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(path.join(dir, 'cgroup.procs'), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function v1Parent(mounts: Map<string, string>, controller: string): string | null {
  const mnt = mounts.get(controller);
  if (!mnt) return null;
  // Under the engine's own cgroup of that hierarchy: a sandboxed session's memory accounting stays whole.
  const own = cgroupsOf('self').get(controller) ?? '/';
  const dir = path.join(mnt, own, GROUP);
  return usableDir(dir) ? dir : null;
}

function tryV2(notes: string[]): Layout | null {
  const { v2, v1 } = cgroupMounts();
  if (!v2) return (notes.push('no cgroup v2 tree mounted'), null);
  let base = v2;
  if (process.getuid?.() !== 0) {
    const own = cgroupsOf('self').get('') ?? '';
    const m = /^(.*\/user@\d+\.service)(\/|$)/.exec(own);
    if (!m) {
      notes.push(
        `cgroup v2: not root and no delegated user@<uid>.service subtree (own cgroup ${own || '?'})`,
      );
      return null;
    }
    base = path.join(v2, m[1] as string);
  }
  const main = path.join(base, GROUP);
  if (!usableDir(main)) return (notes.push(`cgroup v2: ${main} is not writable`), null);
  const hasKill = fs.existsSync(path.join(main, 'cgroup.kill'));
  const hasFreeze = fs.existsSync(path.join(main, 'cgroup.freeze'));
  if (!hasKill && !hasFreeze) {
    notes.push('cgroup v2: neither cgroup.kill nor cgroup.freeze (kernel before 5.2)');
    return null;
  }
  const controllers = (readQuiet(path.join(main, 'cgroup.controllers')) ?? '').split(/\s+/);
  const parents: Parents = { main };
  let memNote = 'memory.current';
  if (controllers.includes('memory')) {
    // Cells get memory.current only when each level above enables the controller for its children.
    enableControllers(base, ['memory', 'cpu', 'io']);
    enableControllers(main, ['memory', 'cpu', 'io']);
  } else {
    const mem = v1Parent(v1, 'memory');
    if (mem) parents.memory = mem;
    memNote = mem ? 'memory from the v1 memory hierarchy (hybrid host)' : 'no memory figures';
  }
  // Disk stalls: io.max where v2 has the io controller, else a v1 blkio hierarchy beside it.
  const blk = controllers.includes('io') ? null : v1Parent(v1, 'blkio');
  if (blk) parents.blkio = blk;
  const ioNote = controllers.includes('io') ? 'io.max' : blk ? 'v1 blkio.throttle' : 'no I/O limits';
  const detail = `${main}; ${hasKill ? 'cgroup.kill' : 'freeze and kill'}; ${hasFreeze ? 'cgroup.freeze' : 'no freezer'}; cpu.stat; ${memNote}; ${ioNote}`;
  return {
    info: { mode: 'cgroup-v2', label: CONTAINMENT_LABELS['cgroup-v2'], detail, parent: main },
    parents,
  };
}

function tryV1(notes: string[]): Layout | null {
  const { v1 } = cgroupMounts();
  const main = v1Parent(v1, 'freezer');
  if (!main) return (notes.push('cgroup v1: no writable freezer hierarchy'), null);
  const parents: Parents = { main };
  const mem = v1Parent(v1, 'memory');
  const cpu = v1Parent(v1, 'cpuacct');
  if (mem) parents.memory = mem;
  if (cpu) parents.cpuacct = cpu;
  const blk = v1Parent(v1, 'blkio');
  if (blk) parents.blkio = blk;
  const detail = `${main}; freeze, SIGKILL, thaw; ${cpu ? 'cpuacct' : 'no CPU figures'}; ${mem ? 'memory.usage_in_bytes' : 'no memory figures'}; ${blk ? 'blkio.throttle' : 'no I/O limits'}`;
  return {
    info: { mode: 'cgroup-v1', label: CONTAINMENT_LABELS['cgroup-v1'], detail, parent: main },
    parents,
  };
}

/**
 * A desktop without a delegated subtree may still get one from `systemd-run --user --scope`. Probed
 * so the report can say why it was not used; this build does not yet run targets in such a scope.
 */
let scopeNote: string | null | undefined;
function systemdScopeNote(): string | null {
  // A spawn of up to 3 s: once per process, not at every preview.
  if (scopeNote === undefined) scopeNote = probeSystemdScope();
  return scopeNote;
}

function probeSystemdScope(): string | null {
  if (process.getuid?.() === 0) return null;
  const r = spawnSync('systemd-run', ['--user', '--scope', '--quiet', 'true'], {
    timeout: SYSTEMD_RUN_PROBE_MS,
    encoding: 'utf8',
  });
  if (r.error) return `systemd-run --user --scope: ${r.error.message}`;
  if (r.status !== 0) return `systemd-run --user --scope failed: ${(r.stderr ?? '').trim().split('\n')[0]}`;
  return 'systemd-run --user --scope works but is not used by this build';
}

function readQuiet(f: string): string | null {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return null;
  }
}

function enableControllers(dir: string, names: string[]): void {
  for (const n of names) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${n}`);
    } catch {
      /* not available at this level: the figure is then simply missing */
    }
  }
}

export function requestedMode(env: NodeJS.ProcessEnv = process.env): ContainmentMode | 'auto' {
  const v = env.PROBE_LAB_CONTAINMENT ?? 'auto';
  if (v === 'auto' || v in CONTAINMENT_LABELS) return v as ContainmentMode | 'auto';
  throw new LabError(
    'CONTAINMENT_INVALID',
    `PROBE_LAB_CONTAINMENT="${v}": expected auto, cgroup-v2, cgroup-v1, pid-namespace or process-tree`,
  );
}

/** What the host allows, with the engine's priority against its targets said beside it. */
function layout(env: NodeJS.ProcessEnv = process.env): Layout {
  const l = hostLayout(env);
  return { ...l, info: { ...l.info, detail: withPriority(l.info.detail) } };
}

const withPriority = (detail: string): string => `${detail}; ${enginePriority().note}`;

function hostLayout(env: NodeJS.ProcessEnv): Layout {
  const want = requestedMode(env);
  const notes: string[] = [];
  const order: ContainmentMode[] =
    want === 'auto' ? ['cgroup-v2', 'cgroup-v1', 'pid-namespace'] : want === 'process-tree' ? [] : [want];
  for (const mode of order) {
    const l =
      mode === 'cgroup-v2' ? tryV2(notes) : mode === 'cgroup-v1' ? tryV1(notes) : tryPidns(notes, want);
    if (l) return l;
  }
  if (want === 'process-tree') notes.push('forced by PROBE_LAB_CONTAINMENT=process-tree');
  else {
    if (want !== 'auto') notes.push(`PROBE_LAB_CONTAINMENT=${want} was asked for and is not available`);
    const scope = systemdScopeNote();
    if (scope) notes.push(scope);
  }
  const detail = `${notes.join('; ')}; Halt walks the process tree and searches by run id: a daemon that left the tree and cleared its environment escapes`;
  return {
    info: { mode: 'process-tree', label: CONTAINMENT_LABELS['process-tree'], detail, parent: null },
    parents: null,
  };
}

function tryPidns(notes: string[], want: ContainmentMode | 'auto'): Layout | null {
  const s = pidNamespaceSupport();
  if ('reason' in s) {
    notes.push(s.reason);
    return null;
  }
  const why = want === 'pid-namespace' ? 'forced by PROBE_LAB_CONTAINMENT=pid-namespace' : notes.join('; ');
  const detail = `${why}; each agent runs as the init of a PID namespace of its own (${s.how}): nothing it starts can leave it, and when it dies (Halt kills it after the grace period) the kernel kills every process inside; CPU and memory from the process tree; lab-kernel targets and validators run without it`;
  return {
    info: { mode: 'pid-namespace', label: CONTAINMENT_LABELS['pid-namespace'], detail, parent: null },
    parents: null,
    pidns: s,
  };
}

/** What a run would get now (the preview): detection makes only the Probe Lab parent cgroup. */
export function detectContainment(env: NodeJS.ProcessEnv = process.env): ContainmentInfo {
  return layout(env).info;
}

const SAFE_NAME = /[^A-Za-z0-9._-]/g;

/** One run's cgroup and its per-target cells. `info.mode` says what is in force. */
export class RunContainment {
  private readonly cells = new Map<string, CgroupCell>();
  private readonly runDirs: Parents | null;
  /** Network namespaces of the targets whose plan asks for one (`network: "namespace"`). */
  readonly networks = new RunNetworks();

  private constructor(
    readonly info: ContainmentInfo,
    parents: Parents | null,
    readonly runId: string,
    private readonly pidns: PidNamespaceSupport | null = null,
  ) {
    const name = `${runId.replace(SAFE_NAME, '_')}@${ownerTag()}`;
    this.runDirs = parents ? { main: path.join(parents.main, name), ...sideDirs(parents, name) } : null;
  }

  static open(runId: string, env: NodeJS.ProcessEnv = process.env): RunContainment {
    const l = layout(env);
    const c = new RunContainment(l.info, l.parents, runId, l.pidns ?? null);
    if (c.runDirs && !usableDir(c.runDirs.main)) return RunContainment.weaker(runId, l.info, 'run cgroup');
    for (const k of SIDES) if (c.runDirs?.[k]) fs.mkdirSync(c.runDirs[k], { recursive: true });
    return c;
  }

  private static weaker(runId: string, was: ContainmentInfo, what: string): RunContainment {
    const info: ContainmentInfo = {
      mode: 'process-tree',
      label: CONTAINMENT_LABELS['process-tree'],
      detail: withPriority(
        `${was.label} was detected but the ${what} could not be made; Halt walks the process tree and searches by run id`,
      ),
      parent: null,
    };
    return new RunContainment(info, null, runId);
  }

  get contained(): boolean {
    return this.runDirs !== null;
  }

  /**
   * The wrapper an agent's command gets in the pid-namespace mode, null otherwise (a cell is
   * entered by the agent itself, see wrapInCell).
   */
  get isolate(): ((file: string, args: string[]) => { file: string; args: string[] }) | null {
    const s = this.pidns;
    return s ? (file, args) => wrapInPidNamespace(s, file, args) : null;
  }

  /** The target's cell, made on first use; null under the process tree. */
  cellFor(targetId: string): CgroupCell | null {
    if (!this.runDirs) return null;
    const have = this.cells.get(targetId);
    if (have) return have;
    const name = targetId.replace(SAFE_NAME, '_');
    const dirs: CellDirs = {
      flavor: this.info.mode === 'cgroup-v2' ? 'v2' : 'v1',
      main: path.join(this.runDirs.main, name),
      ...sideDirs(this.runDirs, name),
    };
    for (const d of [dirs.main, ...SIDES.map((k) => dirs[k])]) if (d) fs.mkdirSync(d, { recursive: true });
    const cell = new CgroupCell(dirs);
    this.cells.set(targetId, cell);
    return cell;
  }

  cell(targetId: string): CgroupCell | null {
    return this.cells.get(targetId) ?? null;
  }

  /** Every process still in the run's cells. */
  livePids(): number[] {
    return [...this.cells.values()].flatMap((c) => c.pids());
  }

  /**
   * Kills whatever is still in any cell, waits for them to empty and removes the cgroups. Returns
   * the pids that would not die (their cells are then left in place for the next start to sweep).
   */
  async close(): Promise<{ survivors: number[] }> {
    const survivors = this.runDirs ? await killCells([...this.cells.values()]) : [];
    if (this.runDirs && !survivors.length) {
      for (const c of this.cells.values()) c.remove();
      for (const d of [this.runDirs.main, ...SIDES.map((k) => this.runDirs?.[k])]) if (d) rmdirQuiet(d);
    }
    // Namespaces go whatever the mode: after the cells, so nothing of the run is left inside them.
    return { survivors: [...survivors, ...this.networks.removeAll()] };
  }
}

export async function killCells(cells: CgroupCell[]): Promise<number[]> {
  const busy = cells.filter((c) => c.populated());
  await Promise.all(busy.map((c) => c.killAll()));
  await Promise.all(busy.map((c) => c.waitEmpty(CELL_SETTLE_MS)));
  return busy.flatMap((c) => c.pids());
}
