/**
 * The chaos schedule: every choice a run makes (which scenario, on which target, in which order,
 * with which parameters, and whether its recovery is made to fail) is drawn here, up front, from
 * one seeded PRNG and nothing else. The same plan, targets and seed give the same schedule, event
 * for event; the schedule is recorded before the first fault, so a replay can be checked against it.
 */
import crypto from 'node:crypto';
import { createPrng, type Prng } from './prng';
import type { ChaosSection, ScenarioType, Severity } from './schema';
import { SCENARIO_TYPES } from './schema';

export type TargetKindLite = 'agent' | 'lab-kernel';

/** What each kind of target can really be subjected to (nothing here is simulated). */
export const SUPPORTED: Record<TargetKindLite, readonly ScenarioType[]> = {
  agent: [
    'heartbeat-pause',
    'cpu-spike',
    'memory-spike',
    'message-flood',
    'telemetry-storm',
    'command-burst',
  ],
  'lab-kernel': [
    'heartbeat-pause',
    'cpu-spike',
    'memory-spike',
    'command-burst',
    'disk-io-stall',
    'network-partition',
  ],
};

/**
 * Scenarios a local agent takes only where the host permits (cgroup I/O limits on a block device,
 * a network namespace of its own) and only when a wave's pool names them: a default pool stays the
 * same on every host, so a seed replays the same schedule anywhere.
 */
export const HOST_DEPENDENT: readonly ScenarioType[] = ['disk-io-stall', 'network-partition'];

/** Why a type is missing for a kind, shown when a wave's pool leaves nothing to run. */
export const UNSUPPORTED_REASON: Record<TargetKindLite, Partial<Record<ScenarioType, string>>> = {
  agent: {
    'disk-io-stall': 'needs the agent in a cgroup with I/O limits, writing to a block device',
    'network-partition': 'needs an agent with network "namespace" on a host that can make one',
  },
  'lab-kernel': {
    'message-flood': "use command-burst: the serial shell is the guest's only input",
    'telemetry-storm': 'the guest has no command that floods the console on request',
  },
};

export interface ScheduledEvent {
  id: string;
  wave: number;
  type: ScenarioType;
  targetId: string;
  /** ms after the wave's start. */
  startOffsetMs: number;
  params: Record<string, number>;
  /** Recovery made to fail on purpose (`--fail-rate`): the target is held frozen through the recovery window. */
  injectFailure: boolean;
}

export interface ScheduledWave {
  index: number;
  name: string;
  severity: Severity;
  events: ScheduledEvent[];
  /** Draws that found no supported scenario for the chosen target (recorded, never silently dropped). */
  skipped: { targetId: string; reason: string }[];
}

export interface ChaosSchedule {
  seed: number;
  failRate: number;
  waves: ScheduledWave[];
  /** Host-dependent scenarios a wave's pool names that a target cannot take here, and why. */
  notDrawn?: { targetId: string; type: ScenarioType; reason: string }[];
}

/** A target as the schedule sees it; `can`: host-dependent scenarios, true or why not. */
export interface ScheduleTarget {
  id: string;
  kind: TargetKindLite;
  can?: Partial<Record<ScenarioType, true | string>>;
}

function canTake(t: ScheduleTarget, type: ScenarioType, named: boolean): boolean {
  if (SUPPORTED[t.kind].includes(type)) return true;
  return named && t.kind === 'agent' && HOST_DEPENDENT.includes(type) && t.can?.[type] === true;
}

function whyNot(t: ScheduleTarget, type: ScenarioType): string {
  const c = t.can?.[type];
  return typeof c === 'string' ? c : (UNSUPPORTED_REASON[t.kind][type] ?? 'unsupported');
}

const HALF: Record<Severity, number> = { low: 0, moderate: 0.25, high: 0.5 };

function drawIn(
  prng: Prng,
  [lo, hi]: readonly [number, number],
  severity: Severity,
  integer: boolean,
): number {
  const u = HALF[severity] + prng.next() * 0.5;
  const v = lo + (hi - lo) * u;
  return integer ? Math.round(v) : Math.round(v * 1000) / 1000;
}

function paramsFor(
  type: ScenarioType,
  section: ChaosSection,
  severity: Severity,
  prng: Prng,
): Record<string, number> {
  const p = section.params;
  switch (type) {
    case 'heartbeat-pause':
      return { pauseMs: drawIn(prng, p.pauseMs, severity, true) };
    case 'cpu-spike':
      return {
        ms: drawIn(prng, p.cpu.ms, severity, true),
        share: drawIn(prng, p.cpu.share, severity, false),
      };
    case 'memory-spike':
      return { mb: drawIn(prng, p.memory.mb, severity, true), ms: drawIn(prng, p.memory.ms, severity, true) };
    case 'message-flood':
      return { messages: drawIn(prng, p.messages, severity, true) };
    case 'telemetry-storm':
      return { bytes: drawIn(prng, p.telemetryBytes, severity, true) };
    case 'command-burst':
      return {
        ratePerSec: drawIn(prng, p.burst.ratePerSec, severity, true),
        ms: drawIn(prng, p.burst.ms, severity, true),
      };
    case 'disk-io-stall':
      return { ms: drawIn(prng, p.stallMs, severity, true) };
    case 'network-partition':
      return { ms: drawIn(prng, p.partitionMs, severity, true) };
  }
}

/**
 * Builds the schedule. Targets are taken in id order so the plan's order cannot change a draw;
 * the draw order per event is fixed: target, type, parameters, start offset, failure injection.
 */
export function buildSchedule(
  section: ChaosSection,
  targets: readonly ScheduleTarget[],
  seed: number,
): ChaosSchedule {
  const prng = createPrng(seed);
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const waves: ScheduledWave[] = section.waves.map((w, wi) => {
    const eligible = w.targets ? sorted.filter((t) => w.targets?.includes(t.id)) : sorted;
    const events: ScheduledEvent[] = [];
    const skipped: ScheduledWave['skipped'] = [];
    for (let k = 0; k < w.scenarios; k++) {
      if (eligible.length === 0) {
        skipped.push({
          targetId: '(none)',
          reason: `wave ${w.name}: none of its targets (${(w.targets ?? []).join(', ')}) is in the plan`,
        });
        continue;
      }
      const target = prng.pick(eligible);
      const pool = (w.pool ?? SCENARIO_TYPES).filter((t) => canTake(target, t, !!w.pool));
      if (pool.length === 0) {
        const why = (w.pool ?? []).map((t) => `${t}: ${whyNot(target, t)}`).join('; ');
        skipped.push({ targetId: target.id, reason: why });
        continue;
      }
      const type = prng.pick(pool);
      const params = paramsFor(type, section, w.severity, prng);
      const startOffsetMs = section.staggerMs > 0 ? prng.int(0, section.staggerMs) : 0;
      const injectFailure = prng.chance(section.failRate);
      events.push({
        id: `w${wi + 1}-e${k + 1}`,
        wave: wi + 1,
        type,
        targetId: target.id,
        startOffsetMs,
        params,
        injectFailure,
      });
    }
    events.sort((a, b) => a.startOffsetMs - b.startOffsetMs || (a.id < b.id ? -1 : 1));
    return { index: wi + 1, name: w.name, severity: w.severity, events, skipped };
  });
  const notDrawn: NonNullable<ChaosSchedule['notDrawn']> = [];
  const named = new Set(section.waves.flatMap((w) => w.pool ?? []));
  for (const t of sorted)
    for (const type of HOST_DEPENDENT)
      if (t.kind === 'agent' && named.has(type) && !canTake(t, type, true))
        notDrawn.push({ targetId: t.id, type, reason: whyNot(t, type) });
  return { seed, failRate: section.failRate, waves, ...(notDrawn.length ? { notDrawn } : {}) };
}

/** A fresh uint32 seed for a run that did not name one. */
export function freshSeed(): number {
  return crypto.randomBytes(4).readUInt32BE(0);
}

/** One line per draw that found nothing to run, and per host-dependent scenario not drawn here. */
export function scheduleNotes(s: ChaosSchedule): { message: string; skipped: boolean }[] {
  return [
    ...s.waves.flatMap((w) =>
      w.skipped.map((k) => ({
        message: `wave ${w.index} (${w.name}): a draw for ${k.targetId} found nothing to run: ${k.reason}`,
        skipped: true,
      })),
    ),
    ...(s.notDrawn ?? []).map((n) => ({
      message: `${n.type} is not drawn for ${n.targetId} on this host: ${n.reason}`,
      skipped: false,
    })),
  ];
}
