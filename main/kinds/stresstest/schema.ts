/**
 * The `stresstest` section of a plan (kind "stresstest"): which seed 002 suites run, with which
 * options, how many times, on which lab-kernel targets of the stresstest dialect. Every option is
 * a bounded integer, so no free text reaches the guest shell (driver.ts builds the command line).
 */
import { z } from 'zod';
import { LabError } from '../../util/errors';
import { zodIssues, type Plan } from '../../model/plan';
import { STRESSTEST_SUITES } from './driver';

const COMPARABLE = STRESSTEST_SUITES.filter((s) => s !== 'compare') as [string, ...string[]];

export const SuiteRunSchema = z
  .object({
    suite: z.enum(STRESSTEST_SUITES),
    durationMs: z.number().int().min(1).max(3_600_000).optional(),
    targetPressurePct: z.number().int().min(1).max(100).optional(),
    ratePerSec: z.number().int().min(1).max(100_000).optional(),
    episodes: z.number().int().min(1).max(10_000).optional(),
    failRatePct: z.number().int().min(0).max(100).optional(),
    /** For `compare`: the suite whose workload the A/B runs. */
    compare: z.enum(COMPARABLE).optional(),
    /** Longest the suite may take before the guest command is interrupted (default: from the duration). */
    timeoutSec: z.number().int().min(1).max(7200).optional(),
  })
  .strict()
  .refine((s) => s.suite !== 'compare' || s.compare !== undefined, {
    message: 'a compare suite names the suite to compare ("compare": "memory")',
    path: ['compare'],
  });
export type SuiteRun = z.infer<typeof SuiteRunSchema>;

export const StresstestSectionSchema = z
  .object({
    suites: z.array(SuiteRunSchema).min(1).max(64),
    /** Each suite runs this many times, so the stub audit can compare repetitions. */
    repetitions: z.number().int().min(1).max(100).default(2),
    /** Repetition k runs with seed + k (a replayable but varying schedule); absent: the guest draws one. */
    seed: z.number().int().min(0).max(999_999_000).optional(),
    /** Target ids to run on (default: every lab-kernel target whose dialect is stresstest). */
    targets: z.array(z.string().min(1).max(80)).min(1).max(32).optional(),
  })
  .strict();
export type StresstestSection = z.infer<typeof StresstestSectionSchema>;

export function parseStresstestSection(plan: Plan): StresstestSection {
  const fail = (issues: { path: string; code: string; message: string }[]): never => {
    throw new LabError(
      'PLAN_INVALID',
      `plan ${plan.id}: ${issues.length} problem(s) in the stresstest section`,
      issues,
    );
  };
  const r = StresstestSectionSchema.safeParse(plan.stresstest);
  if (!r.success)
    fail(
      zodIssues(r.error).map((i) => ({
        ...i,
        path: i.path === '(root)' ? 'stresstest' : `stresstest.${i.path}`,
      })),
    );
  const section = r.data!;
  const kernels = plan.targets.filter((t) => t.kind === 'lab-kernel' && t.dialect === 'stresstest');
  const ids = new Set(kernels.map((t) => t.id));
  const issues: { path: string; code: string; message: string }[] = [];
  if (kernels.length === 0)
    issues.push({
      path: 'targets',
      code: 'custom',
      message: 'a stresstest plan needs a lab-kernel target with "dialect": "stresstest"',
    });
  section.targets?.forEach((id, i) => {
    if (!ids.has(id))
      issues.push({
        path: `stresstest.targets.${i}`,
        code: 'custom',
        message: `"${id}" is not a lab-kernel target of the stresstest dialect in this plan`,
      });
  });
  if (issues.length) fail(issues);
  return section;
}
