/**
 * Reading processes from /proc, to check that a halted run left nothing behind. A process is known
 * by its pid and start time together, so a pid reused by an unrelated process is not mistaken for
 * a survivor.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ProcId {
  pid: number;
  start: string;
}

function stat(pid: number): { state: string; start: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

export function procId(pid: number): ProcId | null {
  const s = stat(pid);
  return s ? { pid, start: s.start } : null;
}

/** Running (not gone, not a zombie waiting to be reaped) and still the same process. */
export function isRunning(p: ProcId): boolean {
  const s = stat(p.pid);
  return s !== null && s.start === p.start && s.state !== 'Z' && s.state !== 'X';
}

/** The pid and every descendant, from the kernel's children lists. */
export function processTree(pid: number): ProcId[] {
  const out: ProcId[] = [];
  const walk = (p: number): void => {
    const id = procId(p);
    if (!id) return;
    out.push(id);
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean)) walk(Number(c));
    }
  };
  walk(pid);
  return out;
}

/** Running processes whose command line names `folder` or whose working folder is inside it. */
export function processesInside(
  folder: string,
  except: number[] = [],
): { pid: number; cmdline: string; cwd: string }[] {
  const found: { pid: number; cmdline: string; cwd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || except.includes(pid)) continue;
    let cmdline = '';
    let cwd = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    const s = stat(pid);
    if (s === null || s.state === 'Z') continue;
    if (cmdline.includes(folder) || cwd === folder || cwd.startsWith(folder + '/'))
      found.push({ pid, cmdline, cwd });
  }
  return found;
}
