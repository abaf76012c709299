/**
 * `--seed N` and `--fail-rate P` for chaos runs: they override the plan's chaos section before the
 * plan is previewed and confirmed, so the confirmation covers the schedule that will really run.
 */
import { LabError } from '../../util/errors';
import type { Plan } from '../../model/plan';
import { parseChaosSection } from './schema';

export interface ChaosFlags {
  /** uint32 seed: replays that schedule exactly. */
  seed?: number;
  /** Percentage of events (0-100, as seed 002's `--fail-rate 20`) whose recovery is made to fail. */
  failRate?: number;
}

/** Returns the plan with its chaos section overridden; refuses flags on a plan that is not a chaos plan. */
export function applyChaosFlags(plan: Plan, flags: ChaosFlags): Plan {
  if (flags.seed === undefined && flags.failRate === undefined) return plan;
  if (plan.kind !== 'chaos')
    throw new LabError(
      'USAGE',
      `--seed and --fail-rate apply to chaos plans; ${plan.id} is a ${plan.kind} plan`,
    );
  if (
    flags.seed !== undefined &&
    !(Number.isInteger(flags.seed) && flags.seed >= 0 && flags.seed <= 0xffffffff)
  )
    throw new LabError('USAGE', `--seed needs an integer in [0, 4294967295], got ${flags.seed}`);
  if (
    flags.failRate !== undefined &&
    !(Number.isFinite(flags.failRate) && flags.failRate >= 0 && flags.failRate <= 100)
  )
    throw new LabError('USAGE', `--fail-rate needs a percentage in [0, 100], got ${flags.failRate}`);
  const raw = (typeof plan.chaos === 'object' && plan.chaos !== null ? plan.chaos : {}) as Record<
    string,
    unknown
  >;
  const chaos = {
    ...raw,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.failRate !== undefined ? { failRate: flags.failRate / 100 } : {}),
  };
  const next = { ...plan, chaos };
  parseChaosSection(next); // the overridden section must still be valid
  return next;
}
