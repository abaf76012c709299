/**
 * The versioned results document ("probe-lab/results/v1"): what a probe or chaos run exports for
 * CI gates (`probe-lab check`), A/B comparison (`probe-lab compare`) and the console. Seed 002's
 * low-risk item, "version the JSON schema", is the `schema` field: a reader refuses any other
 * version instead of guessing. resources/schema/results.v1.schema.json is generated from this zod
 * schema (`resultsJsonSchema()`), and a test fails when the two drift apart.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../util/errors';

export const RESULTS_SCHEMA_ID = 'probe-lab/results/v1';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const name = z.string().min(1).max(200);

export const metricSchema = z
  .object({
    /** 'us', 'ms', 'ns', '%', 'count', ... */
    unit: z.string().min(1).max(32),
    count: z.number().int().min(0).optional(),
    min: finite.optional(),
    p50: finite.optional(),
    p95: finite.optional(),
    p99: finite.optional(),
    p999: finite.optional(),
    max: finite.optional(),
    mean: finite.optional(),
    /**
     * The smallest step the measurement can take, in `unit`: a clock read in whole milliseconds and
     * exported in microseconds has 1000. Without it, a reader takes the last printed digit.
     */
    resolution: finite.refine((v) => v > 0, 'must be positive').optional(),
    /** A single-valued metric (a gauge or a rate). */
    value: finite.optional(),
    /** The HdrHistogram behind the percentiles, V2 compressed base64, so runs can be merged later. */
    histogram: z.string().min(1).optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    id: name,
    type: name,
    wave: z.number().int().min(0),
    outcome: z.enum(['recovered', 'escalated', 'failed']),
    recoveryMs: z.number().min(0).nullable(),
    methods: z.array(
      z
        .object({
          method: name,
          ok: z.boolean(),
          atMs: z.number().min(0).nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const resultsSchema = z
  .object({
    schema: z.literal(RESULTS_SCHEMA_ID),
    runId: name,
    planId: name,
    /** What produced the document: 'probe', 'chaos', 'stresstest', ... */
    kind: z.string().regex(/^[a-z][a-z0-9-]*$/),
    startedAt: z.iso.datetime({ offset: true }),
    endedAt: z.iso.datetime({ offset: true }),
    /** The PRNG seed of a chaos run, so the run replays. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    /** The house verdicts plus PARTIAL: some scenarios failed, fewer than half (seed 002's PartialPass). */
    verdict: z.enum(['PASS', 'PARTIAL', 'FAIL', 'HALTED', 'INTERRUPTED', 'INCOMPLETE']),
    metrics: z.record(name, metricSchema),
    counters: z.record(name, finite),
    /** Raw samples per sampled metric, for significance tests between runs. */
    samples: z.record(name, z.array(finite)).optional(),
    scenarios: z.array(scenarioSchema).optional(),
  })
  .strict();

export type ResultsDoc = z.infer<typeof resultsSchema>;
export type ResultsMetric = z.infer<typeof metricSchema>;
export type ResultsScenario = z.infer<typeof scenarioSchema>;

/** Parses a value of unknown shape; every problem is listed with its path. */
export function parseResults(value: unknown): Result<ResultsDoc> {
  const parsed = resultsSchema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    code: i.code,
    message: i.message,
  }));
  return fail(
    'RESULTS_INVALID',
    `Results document is not ${RESULTS_SCHEMA_ID}: ${issues.length} problem(s)`,
    issues,
  );
}

/** Parses JSON text into a results document. */
export function parseResultsJson(text: string): Result<ResultsDoc> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(
      'RESULTS_INVALID',
      `Results file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseResults(value);
}

/** The JSON Schema (draft 2020-12) equivalent of `resultsSchema`, as committed in resources/schema. */
export function resultsJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(resultsSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://probe-lab.invalid/schema/results.v1.schema.json',
    title: 'Probe Lab results document v1',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}
