/**
 * The `chaos` section of a plan (kind "chaos"): waves by severity, each running its scenarios
 * concurrently, with steady-state checks before the first wave, between waves and after the last
 * (seed 001). Which scenarios run, on which target, in which order and with which parameters is
 * drawn from a seeded PRNG, so `--seed N` replays a schedule exactly (seed 002).
 */
import { z } from 'zod';
import { LabError } from '../../util/errors';
import { zodIssues, type Plan } from '../../model/plan';

export const SCENARIO_TYPES = [
  'heartbeat-pause',
  'cpu-spike',
  'memory-spike',
  'message-flood',
  'telemetry-storm',
  'command-burst',
  'disk-io-stall',
  'network-partition',
] as const;
export type ScenarioType = (typeof SCENARIO_TYPES)[number];

export const SEVERITIES = ['low', 'moderate', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

const range = (lo: number, hi: number, dflt: [number, number]) =>
  z
    .tuple([z.number().min(lo).max(hi), z.number().min(lo).max(hi)])
    .refine(([a, b]) => a <= b, 'range must be [min, max] with min <= max')
    .default(dflt);

/** Parameter ranges per scenario; severity picks the lower, middle or upper half of each range. */
export const ScenarioParamsSchema = z
  .object({
    pauseMs: range(10, 60_000, [300, 1500]),
    cpu: z
      .object({ ms: range(50, 60_000, [500, 2000]), share: range(0.05, 1, [0.5, 1]) })
      .strict()
      .default({ ms: [500, 2000], share: [0.5, 1] }),
    memory: z
      .object({ mb: range(1, 1024, [16, 96]), ms: range(0, 60_000, [300, 1500]) })
      .strict()
      .default({ mb: [16, 96], ms: [300, 1500] }),
    messages: range(1, 100_000, [200, 2000]),
    telemetryBytes: range(1, 64 * 1024 * 1024, [256 * 1024, 4 * 1024 * 1024]),
    burst: z
      .object({ ratePerSec: range(1, 1000, [20, 100]), ms: range(100, 60_000, [500, 1500]) })
      .strict()
      .default({ ratePerSec: [20, 100], ms: [500, 1500] }),
    stallMs: range(100, 60_000, [1000, 3000]),
    partitionMs: range(100, 60_000, [1000, 3000]),
  })
  .strict();
export type ScenarioParams = z.infer<typeof ScenarioParamsSchema>;

export const WaveSchema = z
  .object({
    name: z.string().min(1).max(64),
    severity: z.enum(SEVERITIES),
    /** How many scenarios run concurrently in this wave. */
    scenarios: z.number().int().min(1).max(16),
    /** The scenario types this wave may draw from (default: every type the targets support). */
    pool: z.array(z.enum(SCENARIO_TYPES)).min(1).max(SCENARIO_TYPES.length).optional(),
    /** Target ids (instance ids for counted agents) this wave may hit (default: all). */
    targets: z.array(z.string().min(1).max(80)).min(1).max(64).optional(),
  })
  .strict();
export type Wave = z.infer<typeof WaveSchema>;

export const ChaosSectionSchema = z
  .object({
    /** uint32; absent: a fresh seed is drawn at the run's start, printed and stored. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    /** Share of events (0..1) whose recovery is made to fail on purpose (the target is held frozen). */
    failRate: z.number().min(0).max(1).default(0),
    /** Concurrent CPU spikes may use at most this share of the host's cores (seed 001: 50%). */
    cpuCapShare: z.number().gt(0).max(1).default(0.5),
    /** After a fault ends, how long recovery may take before the scenario escalates. */
    recoveryTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
    /** Scenarios of a wave start staggered by up to this much (order drawn from the PRNG). */
    staggerMs: z.number().int().min(0).max(60_000).default(300),
    /** Fixed-rate pings per target before the first wave: the baseline that degradation is measured against. */
    baseline: z
      .object({
        pings: z.number().int().min(8).max(10_000).default(30),
        ratePerSec: z.number().min(1).max(1000).default(20),
      })
      .strict()
      .default({ pings: 30, ratePerSec: 20 }),
    /** Fixed-rate pings per target while the waves run (0: off). */
    monitorRatePerSec: z.number().min(0).max(1000).default(10),
    params: ScenarioParamsSchema.default(ScenarioParamsSchema.parse({})),
    waves: z.array(WaveSchema).min(1).max(20),
    /** Stop the targets once the last steady-state check is done, so the run ends with the schedule. */
    stopTargetsWhenDone: z.boolean().default(true),
  })
  .strict();
export type ChaosSection = z.infer<typeof ChaosSectionSchema>;
export type ChaosSectionInput = z.input<typeof ChaosSectionSchema>;

/** Parses a chaos plan's section; throws PLAN_INVALID listing every problem (paths under `chaos`). */
export function parseChaosSection(plan: Plan): ChaosSection {
  const r = ChaosSectionSchema.safeParse(plan.chaos);
  if (!r.success) {
    const issues = zodIssues(r.error).map((i) => ({ ...i, path: `chaos.${i.path}` }));
    throw new LabError(
      'PLAN_INVALID',
      `plan ${plan.id}: ${issues.length} problem(s) in the chaos section`,
      issues,
    );
  }
  return r.data;
}
