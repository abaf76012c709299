/**
 * The engine of `probe-lab compare` and the console's "compare these two runs": every metric and
 * counter of two results documents side by side with the change (absolute and %), and for metrics
 * both runs sampled, a Mann-Whitney U test with its effect size and a plain verdict at alpha = 0.05.
 * Pure, so the CLI and the engine host share it.
 */
import {
  METRIC_FIELDS,
  type FieldChange,
  type MetricComparison,
  type MetricField,
  type ResultsComparison,
  type SignificanceTest,
} from '../model/compare';
import type { ResultsDoc, ResultsMetric } from './results';
import { mannWhitneyU } from './stats';

export const SIGNIFICANCE_ALPHA = 0.05;
/**
 * Mann and Whitney's own guidance: the normal approximation is adequate once both samples exceed
 * 8. Below that the p-value would be reported with more confidence than it deserves.
 */
export const MIN_SAMPLES_FOR_TEST = 8;

function change(field: MetricField, a: number | undefined, b: number | undefined): FieldChange {
  const av = a ?? null;
  const bv = b ?? null;
  const delta = av !== null && bv !== null ? bv - av : null;
  let pct: number | null = null;
  if (delta !== null && av !== null) pct = av !== 0 ? (delta / Math.abs(av)) * 100 : delta === 0 ? 0 : null;
  return { field, a: av, b: bv, delta, pct };
}

function metricFields(a: ResultsMetric | undefined, b: ResultsMetric | undefined): FieldChange[] {
  return METRIC_FIELDS.filter((f) => a?.[f] !== undefined || b?.[f] !== undefined).map((f) =>
    change(f, a?.[f], b?.[f]),
  );
}

function significance(
  sa: readonly number[] | undefined,
  sb: readonly number[] | undefined,
): { test: SignificanceTest | null; note: string | null } {
  if (!sa && !sb) return { test: null, note: null };
  if (!sa || !sb) return { test: null, note: `samples only in run ${sa ? 'A' : 'B'}` };
  if (sa.length < MIN_SAMPLES_FOR_TEST || sb.length < MIN_SAMPLES_FOR_TEST) {
    return {
      test: null,
      note: `too few samples for a test (${sa.length} vs ${sb.length}; need ${MIN_SAMPLES_FOR_TEST} each)`,
    };
  }
  const r = mannWhitneyU(sb, sa);
  return {
    test: {
      test: 'mann-whitney-u',
      n1: sa.length,
      n2: sb.length,
      u: r.u,
      z: r.z,
      p: r.p,
      effectSize: r.effectSize,
      alpha: SIGNIFICANCE_ALPHA,
      verdict: r.p < SIGNIFICANCE_ALPHA ? 'significant' : 'not significant',
    },
    note: null,
  };
}

function sortedUnion(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

export function compareResults(a: ResultsDoc, b: ResultsDoc): ResultsComparison {
  const metrics: MetricComparison[] = [];
  const seen = new Set<string>();
  for (const name of sortedUnion(Object.keys(a.metrics), Object.keys(b.metrics))) {
    const ma = a.metrics[name];
    const mb = b.metrics[name];
    const sig = significance(a.samples?.[name], b.samples?.[name]);
    seen.add(name);
    metrics.push({
      name,
      source: 'metric',
      unit: ma?.unit ?? mb?.unit ?? null,
      onlyIn: ma && mb ? null : ma ? 'a' : 'b',
      fields: metricFields(ma, mb),
      test: sig.test,
      testNote: sig.note,
    });
  }
  for (const name of sortedUnion(Object.keys(a.counters), Object.keys(b.counters))) {
    const ca = a.counters[name];
    const cb = b.counters[name];
    metrics.push({
      name,
      source: 'counter',
      unit: null,
      onlyIn: ca !== undefined && cb !== undefined ? null : ca !== undefined ? 'a' : 'b',
      fields: [change('value', ca, cb)],
      test: null,
      testNote: null,
    });
  }
  for (const name of sortedUnion(Object.keys(a.samples ?? {}), Object.keys(b.samples ?? {}))) {
    if (seen.has(name)) continue;
    const sig = significance(a.samples?.[name], b.samples?.[name]);
    const inA = a.samples?.[name] !== undefined;
    const inB = b.samples?.[name] !== undefined;
    metrics.push({
      name,
      source: 'samples',
      unit: null,
      onlyIn: inA && inB ? null : inA ? 'a' : 'b',
      fields: [],
      test: sig.test,
      testNote: sig.note,
    });
  }
  const side = (d: ResultsDoc) => ({ runId: d.runId, planId: d.planId, kind: d.kind, verdict: d.verdict });
  return { a: side(a), b: side(b), samePlan: a.planId === b.planId, metrics };
}
