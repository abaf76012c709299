/**
 * Seed 000 section 3 asks every probe for a pulse before, bursts *during* (2-5 min cadence) and a
 * pulse after. A burst that comes due only after the tasks ended is no evidence of the system under
 * load, so the first burst is placed inside the tasks' lifetime whenever that lifetime may be
 * shorter than the cadence. This module decides the burst schedule from the plan alone (before
 * anything runs), says why, and warns about plans that cannot produce the evidence.
 */
import type { Plan, TargetSpec } from '../model/plan';

/** The bundled agent's own default run time (resources/agents/workload-agent.mjs `--run-sec`). */
const WORKLOAD_AGENT_DEFAULT_RUN_SEC = 5;
/**
 * When the first burst cannot wait a whole cadence, it starts this long after the targets are up:
 * long enough for every target to have settled after its spawn, short enough to fall inside any
 * task that lasts longer than a burst.
 */
export const EARLY_FIRST_BURST_MS = 2000;

export interface BurstSchedule {
  /** Offset of the first burst's first pulse from the probe clock's start. */
  firstBurstMs: number;
  cadenceMs: number;
  count: number;
  spacingMs: number;
  /** One sentence for the report: how the schedule was chosen. */
  reason: string;
}

/** A task's run time as its plan states it, where Probe Lab can know it (the bundled agent). */
export function statedRunSec(t: TargetSpec): number | null {
  if (t.kind !== 'agent' || t.command !== 'workload-agent') return null;
  const i = t.args.indexOf('--run-sec');
  if (i < 0) return WORKLOAD_AGENT_DEFAULT_RUN_SEC;
  const n = Number(t.args[i + 1]);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

const tasksOf = (plan: Plan) => plan.targets.filter((t) => t.kind === 'agent' && t.role === 'task');

/** The shortest stated task run time; null when a task's run time cannot be known in advance. */
function shortestTask(plan: Plan): { id: string; sec: number } | null | 'unknown' {
  let best: { id: string; sec: number } | null = null;
  for (const t of tasksOf(plan)) {
    const sec = statedRunSec(t);
    if (sec === null) return 'unknown';
    if (!best || sec < best.sec) best = { id: t.id, sec };
  }
  return best;
}

export function burstSchedule(plan: Plan): BurstSchedule {
  const p = plan.pulses;
  const cadenceMs = p.cadenceSec * 1000;
  const spacingMs = p.burst.spacingSec * 1000;
  const burstMs = (p.burst.count - 1) * spacingMs;
  const base = { cadenceMs, count: p.burst.count, spacingMs };
  const shortest = shortestTask(plan);
  if (shortest === null) {
    return {
      ...base,
      firstBurstMs: cadenceMs,
      reason: `no task targets: bursts every ${p.cadenceSec} s from the probe start, the first ${p.cadenceSec} s in`,
    };
  }
  if (shortest === 'unknown') {
    return {
      ...base,
      firstBurstMs: Math.min(cadenceMs, EARLY_FIRST_BURST_MS),
      reason: `a task's run time is not known in advance: the first burst is taken ${Math.min(cadenceMs, EARLY_FIRST_BURST_MS) / 1000} s after the targets are up, then every ${p.cadenceSec} s`,
    };
  }
  if (shortest.sec * 1000 > cadenceMs + burstMs) {
    return {
      ...base,
      firstBurstMs: cadenceMs,
      reason: `every task runs longer than a cadence plus a burst (shortest: ${shortest.id}, ${shortest.sec} s by its --run-sec): bursts every ${p.cadenceSec} s, the first ${p.cadenceSec} s after the probe start`,
    };
  }
  const first = Math.min(cadenceMs, EARLY_FIRST_BURST_MS);
  return {
    ...base,
    firstBurstMs: first,
    reason: `the shortest task (${shortest.id}, ${shortest.sec} s by its --run-sec) is shorter than a cadence plus a burst (${(cadenceMs + burstMs) / 1000} s): the first burst is taken ${first / 1000} s after the targets are up, inside its lifetime, then every ${p.cadenceSec} s`,
  };
}

/** Offsets of every burst pulse from the probe clock's start (an unbounded sequence). */
export function* burstOffsets(s: BurstSchedule): Generator<number> {
  for (let b = 0; ; b++)
    for (let i = 0; i < s.count; i++) yield s.firstBurstMs + b * s.cadenceMs + i * s.spacingMs;
}

/**
 * Kinds whose work takes compliance pulses during the probe itself: chaos between waves,
 * stresstest between repetitions (its guest shell runs one command at a time).
 */
const KINDS_WITH_OWN_PULSES: readonly string[] = ['chaos', 'stresstest'];

export interface PlanWarning {
  code: 'NO_BURST_DURING_TASKS' | 'GUARD_WINDOW_TOO_LONG';
  path: string;
  message: string;
}

/** What `plan check` and the preview warn about: plans that cannot produce seed 000's evidence. */
export function planWarnings(plan: Plan): PlanWarning[] {
  const out: PlanWarning[] = [];
  const s = burstSchedule(plan);
  const max = plan.run.maxDurationSec;
  const shortest = shortestTask(plan);
  // Chaos waves and stress repetitions take their own pulses: those are their bursts.
  if (KINDS_WITH_OWN_PULSES.includes(plan.kind)) {
    /* its evidence during the probe does not depend on the burst schedule */
  } else if (s.firstBurstMs >= max * 1000) {
    out.push({
      code: 'NO_BURST_DURING_TASKS',
      path: 'pulses.cadenceSec',
      message: `the first burst is due at ${s.firstBurstMs / 1000} s but the probe stops at ${max} s at the latest: no burst can be taken during the probe, and it will end INCOMPLETE`,
    });
  } else if (shortest && shortest !== 'unknown' && shortest.sec * 1000 <= s.firstBurstMs) {
    out.push({
      code: 'NO_BURST_DURING_TASKS',
      path: 'pulses',
      message: `task ${shortest.id} runs about ${shortest.sec} s, and the first burst is due at ${s.firstBurstMs / 1000} s: no burst falls during that task, and the probe will end INCOMPLETE`,
    });
  }
  const window = plan.thresholds.guard.windowSec;
  const tasks = tasksOf(plan);
  const stated = tasks.map(statedRunSec);
  const hasServices = plan.targets.some((t) => t.kind !== 'agent' || t.role === 'service');
  const longest =
    !hasServices && stated.length && stated.every((x) => x !== null)
      ? Math.max(...(stated as number[]))
      : null;
  const runCanLast = Math.min(max, longest ?? Infinity);
  if (window >= runCanLast) {
    out.push({
      code: 'GUARD_WINDOW_TOO_LONG',
      path: 'thresholds.guard.windowSec',
      message: `the guard rails need a breach sustained ${window} s, but the run lasts at most ${runCanLast} s${longest !== null && longest < max ? ' (its longest task)' : ' (its max duration)'}: they can never trip`,
    });
  }
  return out;
}
