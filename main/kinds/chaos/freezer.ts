/**
 * Freezing a target, and always thawing it: contained agents through their cgroup's freezer,
 * others by SIGSTOP/SIGCONT of every process in their tree (the tree read from /proc, so children
 * freeze too), the lab kernel by QMP stop/cont. Every
 * freeze is registered until thawed, so a halt or a dispose thaws whatever is still frozen: a chaos
 * run never leaves a target stopped behind it.
 */
import { treePids } from '../../lab/process-tree';
import type { Target } from '../../lab/target';

interface KernelLike extends Target {
  readonly qmp: { execute(cmd: string, args?: Record<string, unknown>): Promise<unknown> };
}

export interface Frozen {
  /** Processes stopped (agents), empty for a kernel. */
  pids: number[];
  /** How: the cgroup freezer, SIGSTOP/SIGCONT of the tree, or QMP stop/cont. */
  method: string;
  thaw(): Promise<void>;
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
};

/**
 * Freezes nest per target: two scenarios of one wave may freeze the same target (a pause and an
 * injected failure), and the target thaws only when the last of them lets go, never early.
 */
export class Freezer {
  private readonly held = new Map<
    Target,
    { count: number; pids: number[]; method: string; thaw: () => Promise<void> }
  >();
  private readonly open = new Set<Frozen>();

  private async stop(target: Target): Promise<{ pids: number[]; method: string; thaw: () => Promise<void> }> {
    if (target.kind === 'lab-kernel') {
      const k = target as KernelLike;
      await k.qmp.execute('stop');
      return { pids: [], method: 'QMP stop/cont', thaw: async () => void (await k.qmp.execute('cont')) };
    }
    // A contained agent freezes as a whole (cgroup.freeze / v1 freezer): a child forked an instant
    // before the freeze, or a daemon outside the tree, is frozen too; SIGCONT from inside cannot undo it.
    const cell = target.cell;
    if (cell?.canFreeze() && (await cell.freeze())) {
      const method = cell.flavor === 'v2' ? 'cgroup.freeze' : 'v1 freezer';
      return { pids: cell.pids(), method, thaw: async () => void cell.thaw() };
    }
    cell?.thaw();
    const pids = [...new Set(target.rootPids().flatMap((p) => treePids(p)))];
    for (const p of pids) signal(p, 'SIGSTOP');
    return { pids, method: 'SIGSTOP/SIGCONT', thaw: async () => pids.forEach((p) => signal(p, 'SIGCONT')) };
  }

  async freeze(target: Target): Promise<Frozen> {
    let h = this.held.get(target);
    if (h) h.count++;
    else {
      const s = await this.stop(target);
      h = { count: 1, ...s };
      this.held.set(target, h);
    }
    const entry = h;
    const frozen: Frozen = {
      pids: entry.pids,
      method: entry.method,
      thaw: async () => {
        if (!this.open.delete(frozen)) return;
        if (--entry.count > 0) return;
        this.held.delete(target);
        await entry.thaw();
      },
    };
    this.open.add(frozen);
    return frozen;
  }

  get count(): number {
    return this.open.size;
  }

  async thawAll(): Promise<void> {
    await Promise.all([...this.open].map((f) => f.thaw().catch(() => undefined)));
  }
}

/** Sleeps `ms`, or less when the run starts halting. */
export function sleepUnlessHalting(ms: number, halting: Promise<void>): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (t = setTimeout(r, Math.max(0, ms)))), halting]).finally(() =>
    clearTimeout(t),
  );
}
