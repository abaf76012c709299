/**
 * k6-style threshold expressions: `p(99)<5`, `p(95)<=200`, `max<1000`, `avg<3`, `count>=100`,
 * `value==0`, `rate<0.1`. Parsed once into a small AST (bad text is THRESHOLD_EXPR_INVALID with
 * the position), then evaluated against one metric of a results document. A bare number is in
 * the metric's own unit, as in k6; a number with a time unit (`p(99)<5ms`, `<200us`, `<1.5s`) is
 * converted into the metric's unit, so a gate written in ms cannot silently compare against µs.
 */
import { LabError } from '../util/errors';
import type { ResultsMetric } from './results';
import { percentileSorted } from './stats';

export type Aggregation =
  { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'value' | 'rate' };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type TimeUnit = 'us' | 'ms' | 's';

export interface ThresholdExpr {
  aggregation: Aggregation;
  op: Operator;
  threshold: number;
  /** The unit written after the number, if any. */
  unit?: TimeUnit;
  source: string;
}

const US_PER: Record<TimeUnit, number> = { us: 1, ms: 1000, s: 1_000_000 };

/** What an expression is evaluated against: a metric, a counter, and the raw samples if any. */
export interface ThresholdTarget {
  metric?: ResultsMetric;
  counter?: number;
  samples?: readonly number[];
}

export interface ThresholdOutcome {
  ok: boolean;
  /** The measured value the expression compared, null when the metric does not carry it. */
  actual: number | null;
  /** Why it could not be evaluated (actual === null). */
  reason?: string;
}

const SIMPLE = new Set(['avg', 'min', 'max', 'med', 'count', 'value', 'rate']);
const OPERATORS: Operator[] = ['<=', '>=', '==', '!=', '<', '>'];
const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i;

function invalid(source: string, at: number, what: string): LabError {
  return new LabError('THRESHOLD_EXPR_INVALID', `Threshold "${source}": ${what} at position ${at + 1}`);
}

/** Parses one expression; throws LabError(THRESHOLD_EXPR_INVALID) naming what was wrong where. */
export function parseThresholdExpr(source: string): ThresholdExpr {
  if (typeof source !== 'string' || source.trim() === '')
    throw new LabError('THRESHOLD_EXPR_INVALID', 'Threshold expression is empty');
  let i = 0;
  const skip = (): void => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  skip();
  const word = /^[a-z]+/.exec(source.slice(i));
  if (!word)
    throw invalid(source, i, 'expected an aggregation (p(N), avg, min, max, med, count, value, rate)');
  let aggregation: Aggregation;
  if (word[0] === 'p') {
    i += 1;
    skip();
    if (source[i] !== '(') throw invalid(source, i, 'expected "(" after p');
    i++;
    skip();
    const num = NUMBER_RE.exec(source.slice(i));
    if (!num) throw invalid(source, i, 'expected a percentile number');
    const p = Number(num[0]);
    if (!(p >= 0 && p <= 100)) throw invalid(source, i, `percentile ${num[0]} is outside 0..100`);
    i += num[0].length;
    skip();
    if (source[i] !== ')') throw invalid(source, i, 'expected ")"');
    i++;
    aggregation = { kind: 'percentile', p };
  } else if (SIMPLE.has(word[0])) {
    aggregation = { kind: word[0] as Exclude<Aggregation['kind'], 'percentile'> };
    i += word[0].length;
  } else {
    throw invalid(source, i, `unknown aggregation "${word[0]}"`);
  }
  skip();
  const op = OPERATORS.find((o) => source.startsWith(o, i));
  if (!op) throw invalid(source, i, 'expected an operator (<, <=, >, >=, ==, !=)');
  i += op.length;
  skip();
  const num = NUMBER_RE.exec(source.slice(i));
  if (!num) throw invalid(source, i, 'expected a number');
  const threshold = Number(num[0]);
  if (!Number.isFinite(threshold)) throw invalid(source, i, 'threshold is not finite');
  i += num[0].length;
  const unitMatch = /^(us|ms|s)\b/.exec(source.slice(i));
  const unit = unitMatch ? (unitMatch[1] as TimeUnit) : undefined;
  if (unitMatch) i += unitMatch[0].length;
  skip();
  if (i < source.length) throw invalid(source, i, `unexpected "${source.slice(i)}"`);
  return { aggregation, op, threshold, ...(unit ? { unit } : {}), source: source.trim() };
}

const PERCENTILE_FIELDS: Record<string, 'p50' | 'p95' | 'p99' | 'p999'> = {
  '50': 'p50',
  '95': 'p95',
  '99': 'p99',
  '99.9': 'p999',
};

function actualOf(agg: Aggregation, target: ThresholdTarget): number | null {
  const { metric, counter, samples } = target;
  if (metric === undefined && counter !== undefined) {
    return agg.kind === 'value' || agg.kind === 'count' || agg.kind === 'rate' ? counter : null;
  }
  const sorted = samples && samples.length > 0 ? [...samples].sort((a, b) => a - b) : null;
  switch (agg.kind) {
    case 'percentile': {
      const field = PERCENTILE_FIELDS[String(agg.p)];
      const stored = field ? metric?.[field] : undefined;
      if (stored !== undefined) return stored;
      return sorted ? percentileSorted(sorted, agg.p) : null;
    }
    case 'med':
      return metric?.p50 ?? (sorted ? percentileSorted(sorted, 50) : null);
    case 'avg':
      return metric?.mean ?? (sorted ? sorted.reduce((s, x) => s + x, 0) / sorted.length : null);
    case 'min':
      return metric?.min ?? sorted?.[0] ?? null;
    case 'max':
      return metric?.max ?? sorted?.[sorted.length - 1] ?? null;
    case 'count':
      return metric?.count ?? (sorted ? sorted.length : null);
    case 'value':
    case 'rate':
      return metric?.value ?? null;
  }
}

function compare(actual: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '<':
      return actual < threshold;
    case '<=':
      return actual <= threshold;
    case '>':
      return actual > threshold;
    case '>=':
      return actual >= threshold;
    case '==':
      return actual === threshold;
    case '!=':
      return actual !== threshold;
  }
}

export function aggregationLabel(agg: Aggregation): string {
  return agg.kind === 'percentile' ? `p(${agg.p})` : agg.kind;
}

/** A threshold the metric cannot answer fails: a gate that cannot see the value cannot pass it. */
export function evaluateThreshold(expr: ThresholdExpr, target: ThresholdTarget): ThresholdOutcome {
  const actual = actualOf(expr.aggregation, target);
  if (actual === null) {
    return { ok: false, actual: null, reason: `the metric carries no ${aggregationLabel(expr.aggregation)}` };
  }
  let threshold = expr.threshold;
  if (expr.unit && expr.aggregation.kind !== 'count') {
    const mu = target.metric?.unit;
    if (mu !== 'us' && mu !== 'ms' && mu !== 's') {
      return {
        ok: false,
        actual,
        reason: `"${expr.unit}" given but the metric's unit is ${mu ?? 'unknown'}`,
      };
    }
    threshold = (expr.threshold * US_PER[expr.unit]) / US_PER[mu];
  }
  return { ok: compare(actual, expr.op, threshold), actual };
}
