/**
 * Freezing a target, and always thawing it: agents by SIGSTOP/SIGCONT of every process in their
 * tree (the tree read from /proc, so children freeze too), the lab kernel by QMP stop/cont. Every
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
  thaw(): Promise<void>;
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
};

export class Freezer {
  private readonly frozen = new Set<Frozen>();

  async freeze(target: Target): Promise<Frozen> {
    let handle: Frozen;
    if (target.kind === 'lab-kernel') {
      const k = target as KernelLike;
      await k.qmp.execute('stop');
      handle = { pids: [], thaw: async () => void (await k.qmp.execute('cont')) };
    } else {
      const pids = [...new Set(target.rootPids().flatMap((p) => treePids(p)))];
      for (const p of pids) signal(p, 'SIGSTOP');
      handle = { pids, thaw: async () => pids.forEach((p) => signal(p, 'SIGCONT')) };
    }
    const tracked: Frozen = {
      pids: handle.pids,
      thaw: async () => {
        if (!this.frozen.delete(tracked)) return;
        await handle.thaw();
      },
    };
    this.frozen.add(tracked);
    return tracked;
  }

  get count(): number {
    return this.frozen.size;
  }

  async thawAll(): Promise<void> {
    await Promise.all([...this.frozen].map((f) => f.thaw().catch(() => undefined)));
  }
}

/** Sleeps `ms`, or less when the run starts halting. */
export function sleepUnlessHalting(ms: number, halting: Promise<void>): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (t = setTimeout(r, Math.max(0, ms)))), halting]).finally(() =>
    clearTimeout(t),
  );
}
