/**
 * `probe-lab check <results.json> [--max-p99-ms N] [--max-oom-events N] [--threshold 'metric:expr']...
 * [--thresholds file.json]`: the CI gate of seed 002 ("validate_stress_results.py") over a
 * probe-lab/results/v1 document. Exit 0 when every threshold holds, 1 naming each that failed
 * (metric, expression, actual), 2 on invalid input with a coded error. A threshold whose metric is
 * missing fails: a gate that cannot see a value must not pass it.
 *
 * The argument parser for the results commands lives here too (compare.ts uses it), because
 * `--threshold` repeats and the shared flag parser keeps only the last value.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LabError } from '../util/errors';
import { didYouMean } from '../util/suggest';
import { parseResultsJson, type ResultsDoc } from '../scoring/results';
import { evaluateThreshold, parseThresholdExpr, type ThresholdExpr } from '../scoring/thresholds-expr';
import { EXIT, parseCommand, type CommandSpec, type Io } from './common';

export async function readResultsFile(path: string): Promise<ResultsDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LabError(
      'RESULTS_INVALID',
      `Cannot read results file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = parseResultsJson(text);
  if (!parsed.ok)
    throw new LabError(parsed.error.code, `${path}: ${parsed.error.message}`, parsed.error.issues);
  return parsed.value;
}

/** Time units a latency metric may carry, as a factor from milliseconds. */
const PER_MS: Record<string, number> = { ns: 1_000_000, us: 1000, μs: 1000, ms: 1, s: 0.001 };
const OOM_COUNTER = /oom/i;

export interface GateCheck {
  metric: string;
  expr: ThresholdExpr;
  /** Where the check came from: a flag or the thresholds file. */
  origin: string;
}

export interface GateOutcome extends GateCheck {
  ok: boolean;
  actual: number | null;
  unit: string | null;
  reason?: string;
}

const thresholdsFileSchema = z.union([
  z.object({ thresholds: z.record(z.string().min(1), z.union([z.string(), z.array(z.string())])) }).strict(),
  z.record(z.string().min(1), z.union([z.string(), z.array(z.string())])),
]);

async function readThresholdsFile(path: string): Promise<GateCheck[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new LabError(
      'USAGE',
      `Cannot read thresholds file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = thresholdsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      code: i.code,
      message: i.message,
    }));
    throw new LabError(
      'USAGE',
      `${path}: expected { "metric": "expr" | ["expr", ...] } (optionally under "thresholds")`,
      issues,
    );
  }
  const map =
    'thresholds' in parsed.data &&
    typeof parsed.data.thresholds === 'object' &&
    !Array.isArray(parsed.data.thresholds)
      ? parsed.data.thresholds
      : parsed.data;
  const checks: GateCheck[] = [];
  for (const [metric, exprs] of Object.entries(map as Record<string, string | string[]>)) {
    for (const e of Array.isArray(exprs) ? exprs : [exprs])
      checks.push({ metric, expr: parseThresholdExpr(e), origin: path });
  }
  return checks;
}

/** `metric:expr`; the expression holds no colon, so the metric is everything before the last one. */
export function parseThresholdFlag(flag: string): GateCheck {
  const at = flag.lastIndexOf(':');
  if (at <= 0 || at === flag.length - 1)
    throw new LabError('THRESHOLD_EXPR_INVALID', `--threshold "${flag}" is not metric:expression`);
  return { metric: flag.slice(0, at), expr: parseThresholdExpr(flag.slice(at + 1)), origin: '--threshold' };
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Builds the flag-driven checks that need the document: which metrics are latencies, which counters are OOMs. */
function derivedChecks(
  doc: ResultsDoc,
  maxP99Ms: number | undefined,
  maxOom: number | undefined,
): { checks: GateCheck[]; missing: GateOutcome[] } {
  const checks: GateCheck[] = [];
  const missing: GateOutcome[] = [];
  if (maxP99Ms !== undefined) {
    const latencies = Object.entries(doc.metrics).filter(
      ([, m]) => m.p99 !== undefined && PER_MS[m.unit] !== undefined,
    );
    for (const [name, m] of latencies) {
      const limit = maxP99Ms * PER_MS[m.unit]!;
      checks.push({
        metric: name,
        expr: parseThresholdExpr(`p(99)<=${formatNumber(limit)}`),
        origin: '--max-p99-ms',
      });
    }
    if (latencies.length === 0) {
      missing.push({
        metric: '(latency)',
        expr: parseThresholdExpr(`p(99)<=${formatNumber(maxP99Ms)}`),
        origin: '--max-p99-ms',
        ok: false,
        actual: null,
        unit: 'ms',
        reason: 'no metric with a p99 in a time unit',
      });
    }
  }
  if (maxOom !== undefined) {
    const ooms = Object.keys(doc.counters).filter((k) => OOM_COUNTER.test(k));
    for (const name of ooms)
      checks.push({
        metric: name,
        expr: parseThresholdExpr(`value<=${formatNumber(maxOom)}`),
        origin: '--max-oom-events',
      });
    if (ooms.length === 0) {
      missing.push({
        metric: '(oom counter)',
        expr: parseThresholdExpr(`value<=${formatNumber(maxOom)}`),
        origin: '--max-oom-events',
        ok: false,
        actual: null,
        unit: null,
        reason: 'no OOM counter in the results',
      });
    }
  }
  return { checks, missing };
}

/** Evaluates gate checks against a results document (pure; the console can call it too). */
export function evaluateGate(doc: ResultsDoc, checks: readonly GateCheck[]): GateOutcome[] {
  return checks.map((c) => {
    const metric = doc.metrics[c.metric];
    const counter = doc.counters[c.metric];
    const samples = doc.samples?.[c.metric];
    if (metric === undefined && counter === undefined) {
      return { ...c, ok: false, actual: null, unit: null, reason: 'metric not found in the results' };
    }
    const target = metric !== undefined ? { metric, ...(samples ? { samples } : {}) } : { counter: counter! };
    const out = evaluateThreshold(c.expr, target);
    return {
      ...c,
      ok: out.ok,
      actual: out.actual,
      unit: metric?.unit ?? null,
      ...(out.reason ? { reason: out.reason } : {}),
    };
  });
}

function describeOutcome(o: GateOutcome): string {
  const actual =
    o.actual === null
      ? `no value (${o.reason ?? 'unavailable'})`
      : `actual ${formatNumber(o.actual)}${o.unit ? ` ${o.unit}` : ''}`;
  return `${o.ok ? 'ok  ' : 'FAIL'}  ${o.metric}  ${o.expr.source}  ${actual}  [${o.origin}]`;
}

export const CHECK: CommandSpec = {
  name: 'check',
  summary: 'CI gate over an exported results document (probe-lab/results/v1)',
  usage: '<results.json> [thresholds] [--json]',
  positionals: { min: 1, max: 1 },
  options: {
    'max-p99-ms': {
      type: 'string',
      value: 'N',
      help: 'every latency metric: p99 at most N ms (any time unit)',
    },
    'max-oom-events': { type: 'string', value: 'N', help: 'every OOM counter: at most N' },
    threshold: {
      type: 'string',
      value: 'METRIC:EXPR',
      multiple: true,
      help: "k6-style threshold, e.g. 'alloc.latency:p(99)<5000'",
    },
    thresholds: {
      type: 'string',
      value: 'FILE',
      multiple: true,
      help: 'JSON { "metric": "expr" | ["expr", ...] }, or that under "thresholds"',
    },
    json: { type: 'boolean', help: 'one JSON document with every outcome' },
  },
  notes: [
    'A threshold on a metric the results lack fails (exit 1): a gate that cannot see a value\n' +
      'must not pass it. One a typo away from a metric they have is refused (exit 2), with a\n' +
      'suggestion.',
  ],
};

/** A named metric the results lack but that is one typo away from one they have: refused. */
function refuseMistypedMetrics(doc: ResultsDoc, checks: readonly GateCheck[]): void {
  const known = [...Object.keys(doc.metrics), ...Object.keys(doc.counters)];
  const issues = checks.flatMap((c) => {
    if (doc.metrics[c.metric] !== undefined || doc.counters[c.metric] !== undefined) return [];
    const s = didYouMean(c.metric, known);
    return s === undefined
      ? []
      : [{ path: c.origin, code: 'unknown_metric', message: `"${c.metric}": did you mean ${s}?` }];
  });
  if (issues.length > 0)
    throw new LabError(
      'METRIC_NOT_FOUND',
      `${issues.length} threshold(s) name a metric the results do not have (${issues.map((i) => i.message).join('; ')})`,
      issues,
    );
}

export async function checkCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(CHECK, argv, io);
  if (!args) return EXIT.PASS;
  const flagChecks = args.list('threshold').map(parseThresholdFlag);
  const fileChecks: GateCheck[] = [];
  for (const f of args.list('thresholds')) fileChecks.push(...(await readThresholdsFile(f)));
  const maxP99Ms = args.number('max-p99-ms', { min: 0 });
  const maxOom = args.number('max-oom-events', { min: 0 });
  const doc = await readResultsFile(args.pos[0]!);
  const derived = derivedChecks(doc, maxP99Ms, maxOom);
  const checks = [...derived.checks, ...flagChecks, ...fileChecks];
  if (checks.length === 0 && derived.missing.length === 0)
    throw new LabError('USAGE', 'no thresholds given (see: probe-lab check --help)');
  refuseMistypedMetrics(doc, [...flagChecks, ...fileChecks]);
  const outcomes = [...evaluateGate(doc, checks), ...derived.missing];
  const failed = outcomes.filter((o) => !o.ok);
  if (args.flags.get('json') === true) {
    io.out(
      JSON.stringify(
        {
          runId: doc.runId,
          ok: failed.length === 0,
          outcomes: outcomes.map((o) => ({
            metric: o.metric,
            expr: o.expr.source,
            origin: o.origin,
            ok: o.ok,
            actual: o.actual,
            unit: o.unit,
            reason: o.reason ?? null,
          })),
        },
        null,
        2,
      ),
    );
  } else {
    for (const o of outcomes) (o.ok ? io.out : io.err)(describeOutcome(o));
    io.out(
      failed.length === 0
        ? `check passed: ${outcomes.length} threshold(s) hold for run ${doc.runId}`
        : `check FAILED: ${failed.length} of ${outcomes.length} threshold(s) failed for run ${doc.runId}`,
    );
  }
  return failed.length === 0 ? EXIT.PASS : EXIT.FAIL;
}
