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
import { LabError, toCodedError } from '../util/errors';
import { parseResultsJson, type ResultsDoc } from '../scoring/results';
import { evaluateThreshold, parseThresholdExpr, type ThresholdExpr } from '../scoring/thresholds-expr';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Exit codes shared by every probe-lab command (see the usage text in index.ts). */
export const EXIT_CODES = { OK: 0, FAILED: 1, INVALID: 2 } as const;

export interface ParsedArgs {
  pos: string[];
  /** Every value given for each flag, in order; a boolean flag holds [true]. */
  flags: Map<string, (string | true)[]>;
}

export function parseArgs(
  argv: readonly string[],
  spec: { booleans: readonly string[]; values: readonly string[] },
): ParsedArgs {
  const pos: string[] = [];
  const flags = new Map<string, (string | true)[]>();
  const add = (name: string, v: string | true): void => {
    flags.set(name, [...(flags.get(name) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      pos.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (spec.booleans.includes(name)) {
      if (eq >= 0) throw new LabError('USAGE', `--${name} takes no value`);
      add(name, true);
    } else if (spec.values.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new LabError('USAGE', `--${name} needs a value`);
      add(name, v);
    } else {
      throw new LabError('USAGE', `unknown option --${name}`);
    }
  }
  return { pos, flags };
}

/** The last value of a flag, parsed as a finite non-negative number. */
export function numberFlag(args: ParsedArgs, name: string): number | undefined {
  const values = args.flags.get(name);
  const v = values?.[values.length - 1];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0)
    throw new LabError('USAGE', `--${name} needs a non-negative number, got ${String(v)}`);
  return n;
}

export function stringFlags(args: ParsedArgs, name: string): string[] {
  return (args.flags.get(name) ?? []).filter((v): v is string => typeof v === 'string');
}

export function reportCodedError(io: CliIo, err: unknown): number {
  const e = toCodedError(err);
  io.err(`probe-lab: ${e.code}: ${e.message}`);
  for (const i of e.issues ?? []) io.err(`  - ${i.path}: [${i.code}] ${i.message}`);
  return EXIT_CODES.INVALID;
}

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

const USAGE =
  "usage: probe-lab check <results.json> [--max-p99-ms N] [--max-oom-events N] [--threshold 'metric:expr']... [--thresholds file.json] [--json]";

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv, {
      booleans: ['json'],
      values: ['max-p99-ms', 'max-oom-events', 'threshold', 'thresholds'],
    });
    if (args.pos.length !== 1) throw new LabError('USAGE', USAGE);
    const flagChecks = stringFlags(args, 'threshold').map(parseThresholdFlag);
    const fileChecks: GateCheck[] = [];
    for (const f of stringFlags(args, 'thresholds')) fileChecks.push(...(await readThresholdsFile(f)));
    const maxP99Ms = numberFlag(args, 'max-p99-ms');
    const maxOom = numberFlag(args, 'max-oom-events');
    const doc = await readResultsFile(args.pos[0]!);
    const derived = derivedChecks(doc, maxP99Ms, maxOom);
    const checks = [...derived.checks, ...flagChecks, ...fileChecks];
    if (checks.length === 0 && derived.missing.length === 0)
      throw new LabError('USAGE', `no thresholds given\n${USAGE}`);
    const outcomes = [...evaluateGate(doc, checks), ...derived.missing];
    const failed = outcomes.filter((o) => !o.ok);
    if (args.flags.has('json')) {
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
    return failed.length === 0 ? EXIT_CODES.OK : EXIT_CODES.FAILED;
  } catch (err) {
    return reportCodedError(io, err);
  }
}
