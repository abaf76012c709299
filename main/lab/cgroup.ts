/**
 * Low-level cgroup access for containment: one `CgroupCell` is the group of directories (one on
 * v2, one per hierarchy on v1) that holds one target's processes. What matters is what the kernel
 * guarantees: every descendant of a process placed in a cell stays in it whatever it does (setsid,
 * double fork, `env -i`), so the cell, not the process tree, is what Halt kills.
 *
 * Only files inside the cell are read: no /proc walk. Detection and naming live in
 * main/safety/containment.ts; this file never decides policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeptFiles } from './kept-file';

export type CgroupFlavor = 'v2' | 'v1';

/** Polling period while waiting for a cell to empty or freeze (cgroup.events has no blocking read). */
const POLL_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function writeText(file: string, text: string): boolean {
  try {
    fs.writeFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}

function pidList(text: string | null): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const line of text.split('\n')) if (line) out.push(Number(line));
  return out;
}

function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Paths of one cell. v2: `main` holds everything. v1: `main` is the freezer; the others are optional. */
export interface CellDirs {
  flavor: CgroupFlavor;
  main: string;
  /** v1 memory (or, on a hybrid host, a v1 memory hierarchy beside the v2 cell). */
  memory?: string;
  /** v1 cpuacct. */
  cpuacct?: string;
  /** v1 blkio (disk stalls through blkio.throttle where v2 has no io controller). */
  blkio?: string;
}

export class CgroupCell {
  /** The files sampled every second, kept open (one pread each instead of open, read, close). */
  private readonly kept = new KeptFiles();

  constructor(readonly dirs: CellDirs) {}

  get flavor(): CgroupFlavor {
    return this.dirs.flavor;
  }

  /** Every cgroup.procs a process must be written to, to be wholly inside this cell. */
  procsFiles(): string[] {
    return [this.dirs.main, this.dirs.memory, this.dirs.cpuacct, this.dirs.blkio]
      .filter((d): d is string => !!d)
      .map((d) => path.join(d, 'cgroup.procs'));
  }

  pids(): number[] {
    const file = path.join(this.dirs.main, 'cgroup.procs');
    // v1 builds a pid list per open file and serves it again for about a second (the kernel's
    // pidlist cache): a kept descriptor would show a kill the processes that were there before it.
    return pidList(this.flavor === 'v2' ? this.kept.read(file) : readText(file));
  }

  /** v2: from cgroup.events (no list read); v1: a non-empty cgroup.procs. */
  populated(): boolean {
    if (this.flavor === 'v2') {
      const ev = readText(path.join(this.dirs.main, 'cgroup.events'));
      if (ev !== null) return /^populated 1$/m.test(ev);
    }
    return this.pids().length > 0;
  }

  /** Thread count: v2 cgroup.threads, v1 tasks (both list every thread of every process). */
  threads(): number {
    const f = this.flavor === 'v2' ? 'cgroup.threads' : 'tasks';
    return pidList(readText(path.join(this.dirs.main, f))).length;
  }

  /** Total CPU time of everything that ever ran in the cell, in microseconds. */
  cpuUsec(): number | null {
    if (this.flavor === 'v2') {
      const m = /^usage_usec (\d+)$/m.exec(this.kept.read(path.join(this.dirs.main, 'cpu.stat')) ?? '');
      return m ? Number(m[1]) : null;
    }
    if (!this.dirs.cpuacct) return null;
    const ns = Number(this.kept.read(path.join(this.dirs.cpuacct, 'cpuacct.usage')));
    return Number.isFinite(ns) ? Math.round(ns / 1000) : null;
  }

  /** Memory charged to the cell (v2 memory.current, else v1 memory.usage_in_bytes), bytes. */
  memoryBytes(): number | null {
    const v2 = this.flavor === 'v2' ? this.kept.read(path.join(this.dirs.main, 'memory.current')) : null;
    if (v2 !== null) return Number(v2);
    if (!this.dirs.memory) return null;
    const v1 = this.kept.read(path.join(this.dirs.memory, 'memory.usage_in_bytes'));
    return v1 === null ? null : Number(v1);
  }

  canFreeze(): boolean {
    const f = this.flavor === 'v2' ? 'cgroup.freeze' : 'freezer.state';
    return fs.existsSync(path.join(this.dirs.main, f));
  }

  /** Freezes every process of the cell; resolves true once the kernel says it is frozen. */
  async freeze(timeoutMs = 1000): Promise<boolean> {
    if (this.flavor === 'v2') {
      if (!writeText(path.join(this.dirs.main, 'cgroup.freeze'), '1')) return false;
      return this.waitFor(() => this.isFrozen(), timeoutMs);
    }
    if (!writeText(path.join(this.dirs.main, 'freezer.state'), 'FROZEN')) return false;
    return this.waitFor(() => this.isFrozen(), timeoutMs);
  }

  /** The kernel's word that the whole cell is frozen. */
  isFrozen(): boolean {
    return this.flavor === 'v2'
      ? /^frozen 1$/m.test(readText(path.join(this.dirs.main, 'cgroup.events')) ?? '')
      : readText(path.join(this.dirs.main, 'freezer.state'))?.trim() === 'FROZEN';
  }

  thaw(): boolean {
    return this.flavor === 'v2'
      ? writeText(path.join(this.dirs.main, 'cgroup.freeze'), '0')
      : writeText(path.join(this.dirs.main, 'freezer.state'), 'THAWED');
  }

  /**
   * Kills every process of the cell. v2 with cgroup.kill: one atomic write, no fork can race it.
   * Otherwise (v1, or v2 before Linux 5.14): freeze, SIGKILL each listed process (a frozen process
   * cannot fork), thaw so the kills are delivered.
   */
  async killAll(): Promise<void> {
    if (this.flavor === 'v2' && writeText(path.join(this.dirs.main, 'cgroup.kill'), '1')) return;
    const frozen = this.canFreeze() ? await this.freeze(500) : false;
    for (const pid of this.pids()) kill9(pid);
    if (frozen || this.canFreeze()) this.thaw();
    // Not frozen (no freezer): a process forked between the list and the kill is caught here.
    if (!frozen) for (const pid of this.pids()) kill9(pid);
  }

  /** Resolves true once no process is left in the cell, false at the deadline. */
  waitEmpty(timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => !this.populated(), timeoutMs);
  }

  private async waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (cond()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  /** Removes the cell's directories (a cgroup with processes cannot be removed: they stay). */
  remove(): boolean {
    this.kept.close();
    let ok = true;
    const d = this.dirs;
    for (const x of [d.main, d.memory, d.cpuacct, d.blkio]) if (x) ok = rmdirQuiet(x) && ok;
    return ok;
  }
}

export function rmdirQuiet(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Child cgroup directories of `dir` (cgroup directories hold only files and child cgroups). */
export function childCgroups(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/**
 * The wrapper every contained target is spawned through: the shell writes its own pid into each
 * cgroup.procs and only then execs the real command, so the target never runs a single instruction
 * outside its cell (a move from the engine after spawn would leave a window in which a fast target
 * could fork a child that stays outside). The pid does not change across exec: the pty, the root
 * pid and the process group are the target's own. Exit 125 when a cell cannot be entered: the target
 * is then not run at all, never run uncontained.
 */
export const ENTER_CELL_SCRIPT =
  'while [ $# -gt 0 ] && [ "$1" != -- ]; do echo $$ > "$1" || { echo "probe-lab: could not enter cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';
export const ENTER_CELL_EXIT = 125;

export function wrapInCell(cell: CgroupCell, file: string, args: string[]): { file: string; args: string[] } {
  return {
    file: '/bin/sh',
    args: ['-c', ENTER_CELL_SCRIPT, 'probe-lab-contain', ...cell.procsFiles(), '--', file, ...args],
  };
}

/** The cgroup a pid is in, per hierarchy, from /proc/<pid>/cgroup ('' key for v2). */
export function cgroupsOf(pid: number | 'self'): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (readText(`/proc/${pid}/cgroup`) ?? '').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of (m[1] as string).split(',')) out.set(c, m[2] as string);
  }
  return out;
}
