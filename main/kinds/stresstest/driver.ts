/**
 * The adapter for kernels that speak seed 002's `stresstest` dialect: builds the command line from
 * typed options (no free text reaches the guest shell), sends it on the serial console, collects
 * the printed lines until the prompt returns, and parses them with the scoring layer's
 * parseStresstestOutput. The bundled lab kernel ships a `stresstest` of its own that prints real
 * guest measurements in this format (resources/lab-kernel/stresstest).
 */
import { LabError, type Result } from '../../util/errors';
import { parseStresstestOutput, type StresstestOutput } from '../../scoring/stub-audit';
import type { KernelTarget } from '../../lab/kernel/kernel-target';

export const STRESSTEST_SUITES = [
  'memory',
  'commands',
  'multi',
  'learning',
  'redteam',
  'chaos',
  'compare',
] as const;
export type StresstestSuite = (typeof STRESSTEST_SUITES)[number];

export interface StresstestOptions {
  durationMs?: number;
  targetPressurePct?: number;
  ratePerSec?: number;
  episodes?: number;
  failRatePct?: number;
  /** Seeds the guest's random schedule (chaos, redteam, learning), so a run replays. */
  seed?: number;
  /** For `compare`: which suite runs with autonomy off and on. */
  compare?: Exclude<StresstestSuite, 'compare'>;
}

/** Past the suite's own duration, how long the printed summary may take (compare runs twice). */
const SLACK_MS = 30_000;
const DEFAULT_DURATION_MS = 10_000;

function int(name: string, v: number | undefined, min: number, max: number): string[] {
  if (v === undefined) return [];
  if (!Number.isInteger(v) || v < min || v > max)
    throw new LabError('USAGE', `stresstest ${name} must be an integer in [${min}, ${max}]`);
  return [`--${name}`, String(v)];
}

export function stresstestCommandLine(suite: StresstestSuite, o: StresstestOptions = {}): string {
  if (!STRESSTEST_SUITES.includes(suite))
    throw new LabError('USAGE', `unknown stresstest suite "${String(suite)}"`);
  const parts: string[] = ['stresstest', suite];
  if (suite === 'compare') {
    if (!o.compare || !STRESSTEST_SUITES.includes(o.compare))
      throw new LabError('USAGE', 'stresstest compare needs a suite to compare');
    parts.push(o.compare);
  }
  parts.push(
    ...int('duration', o.durationMs, 1, 3_600_000),
    ...int('target-pressure', o.targetPressurePct, 1, 100),
    ...int('rate', o.ratePerSec, 1, 100_000),
    ...int('episodes', o.episodes, 1, 10_000),
    ...int('fail-rate', o.failRatePct, 0, 100),
    ...int('seed', o.seed, 0, 999_999_999),
  );
  return parts.join(' ');
}

export interface StresstestRun {
  command: string;
  /** What the kernel printed, line by line, heartbeats removed. */
  lines: string[];
  /** From sending the command to the prompt coming back. */
  ms: number;
  parsed: Result<StresstestOutput>;
}

export async function runStresstest(
  target: KernelTarget,
  suite: StresstestSuite,
  options: StresstestOptions = {},
  timeoutMs?: number,
): Promise<StresstestRun> {
  const command = stresstestCommandLine(suite, options);
  const runs = suite === 'compare' ? 2 : 1;
  const budget = timeoutMs ?? (options.durationMs ?? DEFAULT_DURATION_MS) * runs + SLACK_MS;
  const { lines, ms } = await target.shell.raw(command, budget);
  return { command, lines, ms, parsed: parseStresstestOutput(lines.join('\n')) };
}
