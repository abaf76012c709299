/**
 * `probe-lab compare <runA.json> <runB.json> [--json]`: every metric and counter of two results
 * documents side by side with the change (absolute and %), and for metrics both runs sampled, a
 * Mann-Whitney U test with its effect size and a plain verdict at alpha = 0.05. Seed 002 printed
 * "p < 0.001 (highly significant)" with no test behind it; here the test is named and its inputs
 * counted. `compareResults` is the pure part, for the console.
 */
import type { ResultsComparison } from '../model/compare';
import { compareResults, SIGNIFICANCE_ALPHA } from '../scoring/compare';
import { readResultsFile } from './check';
import { EXIT, parseCommand, type CommandSpec, type Io } from './common';

// The engine moved to scoring/compare.ts so the engine host (the console) can use it too.
export { compareResults, MIN_SAMPLES_FOR_TEST, SIGNIFICANCE_ALPHA } from '../scoring/compare';
export type * from '../model/compare';

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
