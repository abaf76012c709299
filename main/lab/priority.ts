/**
 * The engine's scheduling priority. A target that loads every core competes with the engine for
 * CPU, and the engine's timers (pulses, snapshots, max duration, Halt's grace period) wake late by
 * the scheduler's latency: the instrument is disturbed by what it measures. Where the host permits
 * (root, or CAP_SYS_NICE, or an RLIMIT_NICE that allows it), the engine raises its own priority by
 * RAISE_BY nice steps when it starts, and every command it runs for the system under test (agents,
 * the lab kernel's QEMU, health-check commands, validators) is started through `nice -n RAISE_BY`
 * (one more exec), back at the priority the engine was started with: targets are scheduled as they
 * would be without Probe Lab. It shortens the engine's wake-ups under load; it does not remove them
 * (the pulse bench measures what is left). The engine uses a few percent of one core, so what it
 * takes from the targets is that, no more; a nice level is not a real-time class, so an engine that
 * misbehaved would still be shared out by the scheduler, never freeze the host.
 *
 * Linux keeps a nice value per thread: every thread already running is raised, and threads made
 * later (libuv's pool, workers) inherit the main thread's. Elsewhere, or where raising is refused,
 * or where no `nice` command exists to start the targets back at their priority, nothing changes
 * and the preview and report say why. PROBE_LAB_ENGINE_PRIORITY=default keeps the default.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Nice steps the engine rises by: enough to win the CPU on wake-up against a core-bound load. */
export const RAISE_BY = 10;
const NICE_PATHS = ['/usr/bin/nice', '/bin/nice'];

export interface EnginePriority {
  raised: boolean;
  /** The engine's nice value now, and the one its targets run at. */
  engineNice: number;
  targetNice: number;
  /** One sentence for the preview and the report. */
  note: string;
}

let state: EnginePriority | null = null;
let nicePath: string | null = null;

/** What is in force in this process (never raised unless raiseEnginePriority ran). */
export function enginePriority(): EnginePriority {
  if (state) return state;
  const n = currentNice();
  return {
    raised: false,
    engineNice: n,
    targetNice: n,
    note: `engine and targets at nice ${n} (this process did not raise its priority)`,
  };
}

/**
 * Raises the engine's priority once, at the start of an engine process (CLI, serve, engine host).
 * Returns what is in force; never throws.
 */
export function raiseEnginePriority(env: NodeJS.ProcessEnv = process.env): EnginePriority {
  if (state) return state;
  const before = currentNice();
  const stay = (why: string): EnginePriority => ({
    raised: false,
    engineNice: before,
    targetNice: before,
    note: `engine and targets at nice ${before} (${why})`,
  });
  const want = Math.max(-20, before - RAISE_BY);
  nicePath = NICE_PATHS.find((p) => fs.existsSync(p)) ?? null;
  if (env.PROBE_LAB_ENGINE_PRIORITY === 'default') state = stay('PROBE_LAB_ENGINE_PRIORITY=default');
  else if (process.platform !== 'linux') state = stay('per-thread priorities are raised on Linux only');
  else if (!nicePath) state = stay('no nice command to start the targets back at their priority');
  else if (want === before) state = stay('already at the highest priority');
  else {
    try {
      os.setPriority(0, want);
    } catch (err) {
      // Node's SystemError carries the errno name in `info` (EACCES where RLIMIT_NICE says no).
      const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
      state = stay(`raising it was refused: ${e.info?.code ?? e.code ?? String(err)}`);
      return state;
    }
    for (const tid of threads()) {
      try {
        os.setPriority(tid, want);
      } catch {
        /* a thread that ended meanwhile */
      }
    }
    state = {
      raised: true,
      engineNice: want,
      targetNice: before,
      note: `engine raised to nice ${want}, targets started at nice ${before} (nice -n ${before - want}): the engine's timers win the CPU from a busy target when they wake`,
    };
  }
  return state;
}

/**
 * The argv that starts `file args` at the targets' priority: through `nice` when the engine raised
 * its own, unchanged otherwise. `exec` keeps the pid, so containment and Halt see the same process.
 */
export function atTargetPriority(file: string, args: readonly string[]): { file: string; args: string[] } {
  const s = state;
  if (!s?.raised || !nicePath) return { file, args: [...args] };
  return { file: nicePath, args: ['-n', String(s.targetNice - s.engineNice), '--', file, ...args] };
}

function currentNice(): number {
  try {
    return os.getPriority(0);
  } catch {
    return 0;
  }
}

function threads(): number[] {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((t) => Number.isInteger(t) && t !== process.pid);
  } catch {
    return [];
  }
}
