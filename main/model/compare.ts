/**
 * The comparison of two results documents (`probe-lab compare`, the console's "compare these two
 * runs"): every metric and counter side by side, with a Mann-Whitney U test where both runs
 * sampled. Types only, shared by the engine (main/scoring/compare.ts), the CLI and the console.
 */
export const METRIC_FIELDS = ['count', 'min', 'p50', 'p95', 'p99', 'p999', 'max', 'mean', 'value'] as const;
export type MetricField = (typeof METRIC_FIELDS)[number];

export interface FieldChange {
  field: MetricField;
  a: number | null;
  b: number | null;
  /** b - a, null when either side lacks the field. */
  delta: number | null;
  /** (b - a) / |a| x 100; null when a is 0 (and b is not) or either side is missing. */
  pct: number | null;
}

export interface SignificanceTest {
  test: 'mann-whitney-u';
  n1: number;
  n2: number;
  u: number;
  z: number;
  p: number;
  /** Rank-biserial r of B against A: positive when B tends higher. */
  effectSize: number;
  alpha: number;
  verdict: 'significant' | 'not significant';
}

export interface MetricComparison {
  name: string;
  source: 'metric' | 'counter' | 'samples';
  unit: string | null;
  /** Present on one side only. */
  onlyIn: 'a' | 'b' | null;
  fields: FieldChange[];
  test: SignificanceTest | null;
  /** Why no test was run although samples exist (too few, or only one side sampled). */
  testNote: string | null;
}

export interface ResultsComparison {
  a: { runId: string; planId: string; kind: string; verdict: string };
  b: { runId: string; planId: string; kind: string; verdict: string };
  samePlan: boolean;
  metrics: MetricComparison[];
}
