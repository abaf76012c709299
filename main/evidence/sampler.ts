/**
 * Resource sampling from /proc: host CPU (from /proc/stat deltas), RAM (MemTotal - MemAvailable),
 * load, GPU where nvidia-smi exists, and each target's process tree (CPU, RSS, threads, open
 * files). Only the targets' own processes are read, never the whole of /proc: the observer must
 * not disturb what it measures.
 */
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { readStat, treePids, type ProcIdentity } from '../lab/process-tree';
import type { CgroupCell } from '../lab/cgroup';
import { KeptFiles } from '../lab/kept-file';
import type { HostSample, ProcTreeSample, ResourceSample } from '../model/evidence';

const CLOCK_TICKS = 100; // USER_HZ on Linux; /proc times are in these units.
const PAGE_KB = 4;
/**
 * Every this many samples the trees are walked through every thread's children list; between
 * those, through the main threads' only (a Node agent has ~11 threads: this cut the per-sample
 * /proc reads about fivefold). A child forked by a non-main thread shows up within this many
 * samples; a kill always walks every thread.
 */
const FULL_WALK_EVERY = 5;
/** nvidia-smi costs a process spawn: sample the GPU at most this often. */
const GPU_SAMPLE_MS = 5_000;

interface CpuTimes {
  busy: number;
  total: number;
}

/** The host's /proc files, read every sample: kept open for the life of the process. */
const hostFiles = new KeptFiles();

function readProc(file: string): string {
  const text = hostFiles.read(file);
  if (text === null) throw new Error(`cannot read ${file}`);
  return text;
}

export function readHostCpu(): CpuTimes {
  const text = readProc('/proc/stat');
  const line = text.slice(0, text.indexOf('\n'));
  const parts = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = parts;
  const idleAll = idle + iowait;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idleAll };
}

export function readMeminfo(): { totalKb: number; availableKb: number } {
  const text = readProc('/proc/meminfo');
  return { totalKb: meminfoKb(text, MEM_TOTAL), availableKb: meminfoKb(text, MEM_AVAILABLE) };
}

const MEM_TOTAL = /^MemTotal:\s+(\d+)/m;
const MEM_AVAILABLE = /^MemAvailable:\s+(\d+)/m;
function meminfoKb(text: string, re: RegExp): number {
  return Number(re.exec(text)?.[1] ?? NaN);
}

function readLoad1(): number {
  const text = readProc('/proc/loadavg');
  return Number(text.slice(0, text.indexOf(' ')));
}

function countFds(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Which nvidia-smi, if any; looked up once. */
let nvidiaSmi: string | null | undefined;
function findNvidiaSmi(): string | null {
  if (nvidiaSmi !== undefined) return nvidiaSmi;
  nvidiaSmi = null;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = `${dir}/nvidia-smi`;
    if (dir && fs.existsSync(p)) {
      nvidiaSmi = p;
      break;
    }
  }
  return nvidiaSmi;
}

export interface TreeRoot {
  targetId: string;
  pids: number[];
  /** The target's cgroup cell: figures come from its files instead of a /proc walk. */
  cell?: CgroupCell | null;
}

/**
 * Stateful: CPU percentages are deltas against the previous call. One Sampler per run. It also
 * remembers every process it saw in each tree (pid + start time), so a later kill can reach a
 * process that escaped its tree.
 */
export class Sampler {
  private prevHost: CpuTimes | null = null;
  private prevAt = 0;
  private prevProc = new Map<number, { ticks: number; start: number }>();
  private prevEngine = process.cpuUsage();
  private gpuPct: number | null = null;
  private gpuAt = 0;
  private gpuBusy = false;
  /** Every process seen in each target's tree, by target id. */
  private readonly seen = new Map<string, Map<number, ProcIdentity>>();

  seenFor(targetId: string): ProcIdentity[] {
    return [...(this.seen.get(targetId)?.values() ?? [])];
  }

  host(now = Date.now()): HostSample {
    const cpu = readHostCpu();
    const mem = readMeminfo();
    let cpuPct = 0;
    if (this.prevHost) {
      const dt = cpu.total - this.prevHost.total;
      cpuPct = dt > 0 ? (100 * (cpu.busy - this.prevHost.busy)) / dt : 0;
    } else {
      // First sample: since boot is the only honest baseline we have.
      cpuPct = cpu.total > 0 ? (100 * cpu.busy) / cpu.total : 0;
    }
    this.prevHost = cpu;
    this.maybeSampleGpu(now);
    return {
      at: now,
      cpuPct: round1(cpuPct),
      ramPct: round1((100 * (mem.totalKb - mem.availableKb)) / mem.totalKb),
      gpuPct: this.gpuPct,
      memTotalKb: mem.totalKb,
      memAvailableKb: mem.availableKb,
      load1: readLoad1(),
    };
  }

  private maybeSampleGpu(now: number): void {
    const smi = findNvidiaSmi();
    if (!smi || this.gpuBusy || now - this.gpuAt < GPU_SAMPLE_MS) return;
    this.gpuBusy = true;
    this.gpuAt = now;
    execFile(
      smi,
      ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'],
      { timeout: 3000 },
      (err, out) => {
        this.gpuBusy = false;
        if (err) return;
        const vals = out
          .split('\n')
          .map((s) => Number(s.trim()))
          .filter((n) => Number.isFinite(n));
        this.gpuPct = vals.length ? Math.max(...vals) : null;
      },
    );
  }

  private samples = 0;
  private readonly prevCell = new Map<
    string,
    { usec: number; threads: number; openFiles: number; rssKb: number }
  >();

  /**
   * A contained target: CPU from cpu.stat (or cpuacct), memory from the cell, processes from
   * cgroup.procs: three small reads, whatever the size of the tree. Threads, open files and the
   * seen list need a read per process: only on full-walk samples, carried forward between them.
   */
  private cellSample(root: TreeRoot, cell: CgroupCell, elapsedSec: number, full: boolean): ProcTreeSample {
    const prev = this.prevCell.get(root.targetId);
    const usec = cell.cpuUsec();
    const pids = cell.pids();
    let threads = prev?.threads ?? 0;
    let openFiles = prev?.openFiles ?? 0;
    let rssKb = prev?.rssKb ?? 0;
    if (full || !prev) {
      threads = openFiles = rssKb = 0;
      let seen = this.seen.get(root.targetId);
      if (!seen) this.seen.set(root.targetId, (seen = new Map()));
      for (const pid of pids) {
        const st = readStat(pid);
        if (!st) continue;
        threads += st.threads;
        openFiles += countFds(pid);
        rssKb += st.rssPages * PAGE_KB;
        if (!seen.has(pid)) seen.set(pid, { pid, starttimeTicks: st.starttimeTicks });
      }
    }
    const mem = cell.memoryBytes();
    // The cell's charge (page cache included) stands in for RSS where the host accounts memory.
    if (mem !== null) rssKb = Math.round(mem / 1024);
    const cpuUsec = usec !== null && prev ? Math.max(0, usec - prev.usec) : 0;
    this.prevCell.set(root.targetId, { usec: usec ?? 0, threads, openFiles, rssKb });
    const cpuPct = elapsedSec > 0 ? (100 * cpuUsec) / 1e6 / elapsedSec : 0;
    return {
      targetId: root.targetId,
      processes: pids.length,
      cpuPct: round1(cpuPct),
      rssKb,
      threads,
      openFiles,
    };
  }

  tree(root: TreeRoot, elapsedSec: number, allThreads = true): ProcTreeSample {
    if (root.cell) return this.cellSample(root, root.cell, elapsedSec, allThreads);
    let processes = 0;
    let cpuTicks = 0;
    let rssKb = 0;
    let threads = 0;
    let openFiles = 0;
    let seen = this.seen.get(root.targetId);
    if (!seen) this.seen.set(root.targetId, (seen = new Map()));
    for (const r of root.pids) {
      for (const pid of treePids(r, allThreads)) {
        const st = readStat(pid);
        if (!st || st.state === 'Z') continue;
        processes++;
        const ticks = st.utimeTicks + st.stimeTicks;
        const prev = this.prevProc.get(pid);
        if (prev && prev.start === st.starttimeTicks) cpuTicks += ticks - prev.ticks;
        this.prevProc.set(pid, { ticks, start: st.starttimeTicks });
        if (!seen.has(pid)) seen.set(pid, { pid, starttimeTicks: st.starttimeTicks });
        rssKb += st.rssPages * PAGE_KB;
        threads += st.threads;
        openFiles += countFds(pid);
      }
    }
    const cpuPct = elapsedSec > 0 ? (100 * cpuTicks) / CLOCK_TICKS / elapsedSec : 0;
    return { targetId: root.targetId, processes, cpuPct: round1(cpuPct), rssKb, threads, openFiles };
  }

  sample(roots: TreeRoot[], now = Date.now()): ResourceSample {
    const elapsedSec = this.prevAt ? (now - this.prevAt) / 1000 : 0;
    const host = this.host(now);
    const allThreads = this.samples++ % FULL_WALK_EVERY === 0;
    const targets = roots.map((r) => this.tree(r, elapsedSec, allThreads));
    const eng = process.cpuUsage(this.prevEngine);
    this.prevEngine = process.cpuUsage();
    const engineCpuPct = elapsedSec > 0 ? (100 * (eng.user + eng.system)) / 1e6 / elapsedSec : 0;
    this.prevAt = now;
    return { at: now, host, targets, engineCpuPct: round1(engineCpuPct) };
  }
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
