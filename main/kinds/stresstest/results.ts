/**
 * What a stresstest run hands the report: the stub audit over each suite's repetitions, a short
 * summary per suite for the Markdown, and the results v1 document (one metric per suite and
 * printed number, with the value of every repetition as samples).
 */
import { auditRuns, toAuditRun, type AuditFinding } from '../../scoring/stub-audit';
import { RESULTS_SCHEMA_ID, type ResultsDoc, type ResultsMetric } from '../../scoring/results';
import type { StresstestOutput } from '../../scoring/stresstest-output';

export interface SuiteRecord {
  targetId: string;
  suite: string;
  /** `memory`, or `compare memory`. */
  label: string;
  repetition: number;
  command: string;
  at: number;
  ms: number;
  lines: string[];
  output: StresstestOutput | null;
  error: string | null;
}

export interface AuditGroup {
  targetId: string;
  suite: string;
  runs: number;
  findings: AuditFinding[];
}

export interface StresstestAudit {
  groups: AuditGroup[];
  findings: number;
  /** Set when a suite ran once: cross-run checks (ZERO_VARIANCE, IDENTICAL_SEQUENCE) had nothing to compare. */
  note: string | null;
}

function groups(records: readonly SuiteRecord[]): Map<string, SuiteRecord[]> {
  const out = new Map<string, SuiteRecord[]>();
  for (const r of records) {
    const key = `${r.targetId}\0${r.label}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

export function auditStresstest(records: readonly SuiteRecord[], repetitions: number): StresstestAudit {
  const result: AuditGroup[] = [];
  for (const rs of groups(records).values()) {
    const parsed = rs.filter((r) => r.output !== null);
    result.push({
      targetId: rs[0]!.targetId,
      suite: rs[0]!.label,
      runs: parsed.length,
      findings: auditRuns(parsed.map((r) => toAuditRun(r.output!, `${r.label} #${r.repetition}`))),
    });
  }
  return {
    groups: result,
    findings: result.reduce((n, g) => n + g.findings.length, 0),
    note:
      repetitions < 2
        ? 'each suite ran once: the checks across repetitions (zero variance, identical sequences) had nothing to compare'
        : null,
  };
}

/** Numbers a suite printed that are its results (not compare tables, not the echoed config). */
function scalars(out: StresstestOutput): [string, number][] {
  const xs = Object.entries(out.metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
  if (out.comparison) {
    for (const [k, v] of Object.entries(out.comparison.off)) xs.push([`off.${k}`, v]);
    for (const [k, v] of Object.entries(out.comparison.on)) xs.push([`on.${k}`, v]);
  }
  return xs;
}

const metricName = (r: SuiteRecord, key: string): string =>
  `stresstest.${r.targetId}.${r.label.replace(/\s+/g, '-')}.${key}`.slice(0, 200);

export function stresstestResults(input: {
  runId: string;
  planId: string;
  startedAt: string;
  endedAt: string;
  seed: number | undefined;
  halted: boolean;
  records: readonly SuiteRecord[];
}): ResultsDoc {
  const samples: Record<string, number[]> = {};
  const units: Record<string, string> = {};
  const counters: Record<string, number> = {};
  for (const r of input.records) {
    const base = metricName(r, '');
    counters[`${base}runs`] = (counters[`${base}runs`] ?? 0) + 1;
    counters[`${base}parsed`] = (counters[`${base}parsed`] ?? 0) + (r.output ? 1 : 0);
    samples[`${base}ms`] = [...(samples[`${base}ms`] ?? []), r.ms];
    units[`${base}ms`] = 'ms';
    if (!r.output) continue;
    for (const [k, v] of scalars(r.output)) {
      if (!Number.isFinite(v)) continue;
      const name = metricName(r, k);
      samples[name] = [...(samples[name] ?? []), v];
      units[name] = r.output.units[k] ?? 'count';
    }
  }
  const metrics: Record<string, ResultsMetric> = {};
  for (const [name, xs] of Object.entries(samples)) {
    const sorted = [...xs].sort((a, b) => a - b);
    metrics[name] =
      xs.length === 1
        ? { unit: units[name]!, value: xs[0]! }
        : {
            unit: units[name]!,
            count: xs.length,
            min: sorted[0]!,
            p50: sorted[Math.floor((sorted.length - 1) / 2)]!,
            max: sorted[sorted.length - 1]!,
            mean: xs.reduce((a, b) => a + b, 0) / xs.length,
          };
  }
  const failed = input.records.filter((r) => !r.output).length;
  const verdict = input.halted
    ? 'HALTED'
    : input.records.length === 0 || failed * 2 >= input.records.length
      ? 'FAIL'
      : failed > 0
        ? 'PARTIAL'
        : 'PASS';
  return {
    schema: RESULTS_SCHEMA_ID,
    runId: input.runId,
    planId: input.planId,
    kind: 'stresstest',
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    verdict,
    metrics,
    counters,
    samples,
  };
}
