/**
 * The `burst` section of a validation-burst plan: which registered validator runs over which
 * folder of artifacts, how many at once, how many repetitions, and what counts as the same result.
 * Parsed here (the plan schema leaves it unknown); every problem is a PLAN_INVALID issue with its
 * path, so a bad section never starts a process.
 */
import { z } from 'zod';
import { LabError } from '../../util/errors';
import { zodIssues } from '../../model/plan';

/** Placeholder in validator args replaced by the artifact's absolute path. */
export const ARTIFACT_PLACEHOLDER = '{artifact}';
/** A burst may hold at most this many artifacts: more is a plan mistake, not a probe. */
export const MAX_ARTIFACTS = 10_000;
/** Upper bound on concurrent validator processes: beyond it the host, not the validator, is measured. */
export const MAX_CONCURRENCY = 512;

export const BurstSchema = z
  .object({
    validator: z
      .object({
        /** Must be on the plan's allowlist; relative paths resolve from the plan's folder. */
        command: z.string().min(1).max(4096),
        /** `{artifact}` is replaced by the artifact path; without it the path is appended. */
        args: z.array(z.string().max(4096)).max(256).default([]),
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4096)).default({}),
        timeoutSec: z.number().positive().max(3600).default(30),
        passExitCodes: z.array(z.number().int().min(0).max(255)).min(1).max(32).default([0]),
        failExitCodes: z.array(z.number().int().min(0).max(255)).max(32).default([1]),
      })
      .strict(),
    artifacts: z
      .object({
        /** Relative paths resolve from the plan's folder. */
        folder: z.string().min(1).max(4096),
        /** File name suffixes to include (e.g. ".json"); empty means every regular file. */
        suffixes: z.array(z.string().min(1).max(32)).max(32).default([]),
      })
      .strict(),
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(100),
    repeat: z.number().int().min(2).max(100).default(3),
    /** What must be identical between repetitions besides the verdict. */
    compare: z.enum(['verdict', 'stdout', 'stdout+stderr']).default('stdout'),
    thresholds: z
      .object({
        maxNondeterministic: z.number().int().min(0).default(0),
        /** Validator crashes, timeouts and spawn failures (not `fail` verdicts). */
        maxErrors: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ maxNondeterministic: 0, maxErrors: 0 }),
  })
  .strict()
  .superRefine((b, ctx) => {
    const both = b.validator.passExitCodes.filter((c) => b.validator.failExitCodes.includes(c));
    if (both.length)
      ctx.addIssue({
        code: 'custom',
        message: `exit code(s) ${both.join(', ')} both pass and fail`,
        path: ['validator', 'failExitCodes'],
      });
  });

export type BurstConfig = z.infer<typeof BurstSchema>;

/** Throws PLAN_INVALID with every issue, paths prefixed with `burst.`. */
export function parseBurstSection(raw: unknown, source = 'plan'): BurstConfig {
  if (raw === undefined)
    throw new LabError('PLAN_INVALID', `${source}: a validation-burst plan needs a "burst" section`, [
      { path: 'burst', code: 'invalid_type', message: 'required' },
    ]);
  const r = BurstSchema.safeParse(raw);
  if (!r.success) {
    const issues = zodIssues(r.error).map((i) => ({
      ...i,
      path: i.path === '(root)' ? 'burst' : `burst.${i.path}`,
    }));
    throw new LabError('PLAN_INVALID', `${source}: ${issues.length} problem(s) in the burst section`, issues);
  }
  return r.data;
}
