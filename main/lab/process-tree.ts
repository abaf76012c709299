/**
 * Process hygiene from /proc. node-pty's kill() signals one pid, not the tree: here we walk the tree
 * (through /proc/<pid>/task/<tid>/children, so only the target's own processes are read, never the
 * whole of /proc), signal the process groups and every member, wait a named grace period, then
 * force-kill whatever is left.
 */
import fs from 'node:fs';

/** How long a graceful SIGTERM may take before the tree is SIGKILLed. Halt must finish within 2 s. */
export const KILL_GRACE_MS = 800;
/** After SIGKILL, how long we wait for the kernel to tear processes down before calling them survivors. */
const KILL_SETTLE_MS = 700;
const POLL_MS = 25;

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utimeTicks: number;
  stimeTicks: number;
  threads: number;
  starttimeTicks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat. comm may contain spaces and parentheses: split at the last ')'. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const f = (n: number): number => Number(rest[n - 3]);
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: f(4),
    pgrp: f(5),
    session: f(6),
    utimeTicks: f(14),
    stimeTicks: f(15),
    threads: f(20),
    starttimeTicks: f(22),
    rssPages: f(24),
  };
  return Number.isFinite(stat.pid) && Number.isFinite(stat.ppid) ? stat : null;
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Alive means present and not a zombie (a zombie holds no resources and cannot be killed further). */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

function childrenOf(pid: number, allThreads = true): number[] {
  let tids: string[];
  if (allThreads) {
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  } else tids = [String(pid)];
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const part of text.split(' ')) if (part) out.push(Number(part));
  }
  return out;
}

/**
 * The root and all its descendants, breadth first. `allThreads: false` reads only each process's
 * main-thread children list: a child forked by another thread is then missed until a full walk.
 * Sampling uses that between full walks; killing always walks every thread.
 */
export function treePids(rootPid: number, allThreads = true): number[] {
  const seen = new Set<number>();
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    // A vanished pid has no task folder: childrenOf answers [] and we skip it without a stat.
    const kids = childrenOf(pid, allThreads);
    if (kids.length === 0 && pid === rootPid && !fs.existsSync(`/proc/${pid}`)) continue;
    seen.add(pid);
    queue.push(...kids);
  }
  return [...seen];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone, or not ours: nothing to do */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < deadline) {
    await sleep(POLL_MS);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** A process identity that survives pid reuse: pid plus its start time. */
export interface ProcIdentity {
  pid: number;
  starttimeTicks: number;
}

function sameProcess(id: ProcIdentity): boolean {
  const st = readStat(id.pid);
  return st !== null && st.starttimeTicks === id.starttimeTicks && st.state !== 'Z';
}

/**
 * Stops whole trees: SIGTERM to each root's process group and to every member, a grace period,
 * then SIGKILL to everything still alive (re-walking the trees, so children forked during the
 * grace period are caught too). `extra` carries processes seen in the tree earlier that may have
 * escaped it (double fork, setsid); they are killed too if they are still the same process.
 */
export async function killTree(
  rootPids: number[],
  graceMs = KILL_GRACE_MS,
  extra: ProcIdentity[] = [],
): Promise<{ signalled: number[]; survivors: number[] }> {
  const collect = (): number[] => {
    const set = new Set<number>();
    for (const r of rootPids) for (const p of treePids(r)) set.add(p);
    for (const e of extra) if (sameProcess(e)) for (const p of treePids(e.pid)) set.add(p);
    return [...set].filter(isAlive);
  };
  const first = collect();
  for (const root of rootPids) {
    const st = readStat(root);
    if (st && st.pgrp === root) signal(-root, 'SIGTERM');
  }
  for (const pid of first) signal(pid, 'SIGTERM');
  // Stopped processes cannot act on SIGTERM; let them see it.
  for (const pid of first) if (readStat(pid)?.state === 'T') signal(pid, 'SIGCONT');
  let alive = await waitGone(first, graceMs);
  const second = [...new Set([...alive, ...collect()])];
  if (second.length) {
    for (const root of rootPids) signal(-root, 'SIGKILL');
    for (const pid of second) signal(pid, 'SIGKILL');
    alive = await waitGone(second, KILL_SETTLE_MS);
  }
  return { signalled: [...new Set([...first, ...second])], survivors: alive };
}

/**
 * Pids of live processes whose environment carries PROBE_LAB_RUN_ID=<runId> (and, when given,
 * PROBE_LAB_TARGET_ID=<targetId>). A whole /proc scan: for recovery and the weaker containment's
 * Halt only, never for sampling. A process that cleared its environment (`env -i`) is not found.
 */
export function processesOfRun(runId: string, targetId?: string): number[] {
  const needle = Buffer.from(`PROBE_LAB_RUN_ID=${runId}\0`);
  const target = targetId === undefined ? null : Buffer.from(`PROBE_LAB_TARGET_ID=${targetId}\0`);
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`);
      if (env.includes(needle) && (!target || env.includes(target))) out.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}
