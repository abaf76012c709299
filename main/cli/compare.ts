/**
 * `probe-lab compare <runA.json> <runB.json> [--json]`: every metric and counter of two results
 * documents side by side with the change (absolute and %), and for metrics both runs sampled, a
 * Mann-Whitney U test with its effect size and a plain verdict at alpha = 0.05. Seed 002 printed
 * "p < 0.001 (highly significant)" with no test behind it; here the test is named and its inputs
 * counted. `compareResults` is the pure part, for the console.
 */
import type { ResultsDoc, ResultsMetric } from '../scoring/results';
import { mannWhitneyU } from '../scoring/stats';
import { readResultsFile } from './check';
import { EXIT, parseCommand, type CommandSpec, type Io } from './common';

export const SIGNIFICANCE_ALPHA = 0.05;
/**
 * Mann and Whitney's own guidance: the normal approximation is adequate once both samples exceed
 * 8. Below that the p-value would be reported with more confidence than it deserves.
 */
export const MIN_SAMPLES_FOR_TEST = 8;

const METRIC_FIELDS = ['count', 'min', 'p50', 'p95', 'p99', 'p999', 'max', 'mean', 'value'] as const;
type MetricField = (typeof METRIC_FIELDS)[number];

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

function fmt(n: number | null): string {
  if (n === null) return '-';
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
}

function fmtPct(n: number | null): string {
  if (n === null) return '-';
  return `${n > 0 ? '+' : ''}${n.toFixed(1)}%`;
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(3);
}

export function formatComparison(c: ResultsComparison): string[] {
  const lines: string[] = [];
  lines.push(`A: ${c.a.runId} (${c.a.planId}, ${c.a.kind}, ${c.a.verdict})`);
  lines.push(`B: ${c.b.runId} (${c.b.planId}, ${c.b.kind}, ${c.b.verdict})`);
  if (!c.samePlan) lines.push(`note: the runs are of different plans (${c.a.planId} vs ${c.b.planId})`);
  const rows: string[][] = [['metric', 'field', 'A', 'B', 'change', 'change %']];
  for (const m of c.metrics) {
    const label = `${m.name}${m.unit ? ` (${m.unit})` : ''}${m.onlyIn ? ` [only in ${m.onlyIn.toUpperCase()}]` : ''}`;
    for (const f of m.fields)
      rows.push([
        label,
        m.source === 'counter' ? 'count' : f.field,
        fmt(f.a),
        fmt(f.b),
        f.delta === null ? '-' : `${f.delta > 0 ? '+' : ''}${fmt(f.delta)}`,
        fmtPct(f.pct),
      ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    lines.push(
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  const tested = c.metrics.filter((m) => m.test || m.testNote);
  if (tested.length > 0) {
    lines.push('');
    lines.push(`Mann-Whitney U (two-sided, alpha ${SIGNIFICANCE_ALPHA}), B against A:`);
    for (const m of tested) {
      if (m.test) {
        const t = m.test;
        lines.push(
          `  ${m.name}: ${t.verdict} (p = ${fmtP(t.p)}, rank-biserial r = ${t.effectSize.toFixed(3)}, U = ${fmt(t.u)}, n = ${t.n1} vs ${t.n2})`,
        );
      } else {
        lines.push(`  ${m.name}: no test, ${m.testNote}`);
      }
    }
  }
  return lines;
}

export const COMPARE: CommandSpec = {
  name: 'compare',
  summary: 'every metric of two results documents side by side, Mann-Whitney U where both sampled',
  usage: '<runA.json> <runB.json> [--json]',
  positionals: { min: 2, max: 2 },
  options: { json: { type: 'boolean', help: 'one JSON document with the comparison' } },
};

export async function compareCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(COMPARE, argv, io);
  if (!args) return EXIT.PASS;
  const [a, b] = await Promise.all([readResultsFile(args.pos[0]!), readResultsFile(args.pos[1]!)]);
  const comparison = compareResults(a, b);
  if (args.flags.get('json') === true) io.out(JSON.stringify(comparison, null, 2));
  else for (const line of formatComparison(comparison)) io.out(line);
  return EXIT.PASS;
}
