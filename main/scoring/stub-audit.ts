/**
 * The stub audit: seed 002's central finding turned into checks. A stress test that prints the
 * same numbers every run, numbers pinned at a type's maximum, counts that are exactly rate x
 * duration, totals that do not add up, a chaos loop replaying the same events in the same order,
 * a flawless pass rate over hundreds of events, or an A/B compare whose sides are identical, is
 * most likely reporting what it was told to print, not what it measured. Each finding names the
 * metric and carries the numbers that triggered it.
 */
import type { Severity } from '../model/evidence';
import { checkRelation, describeRelation, type Relation } from './relations';
import type { ResultsDoc } from './results';
import type { StresstestOutput } from './stresstest-output';

export {
  parseStresstestOutput,
  type StresstestOutput,
  type StresstestKind,
  type ChaosEventLine,
} from './stresstest-output';
export type { Relation } from './relations';

export type AuditCode =
  | 'ZERO_VARIANCE'
  | 'PINNED_AT_BOUND'
  | 'NOT_SCALING_WITH_DURATION'
  | 'ARITHMETIC_MISMATCH'
  | 'IDENTICAL_SEQUENCE'
  | 'NO_FAILURES'
  | 'COMPARE_NO_DIFFERENCE'
  | 'STATUS_CONTRADICTION';

export interface AuditRun {
  label: string;
  durationMs?: number;
  metrics: Record<string, number | number[]>;
  /** Unit per metric ('%', 'ms', ...); a value of 100 with unit '%' is pinned at 100%. */
  units?: Record<string, string>;
  /** Event names in the order they happened (chaos waves). */
  events?: string[];
  /** Relations between metrics that the run's own output declares. */
  relations?: Relation[];
  /** Declared maximum per metric (e.g. a configured cap); reaching it is PINNED_AT_BOUND. */
  bounds?: Record<string, number>;
  /** Declared rate per second behind a counter; a count of exactly rate x duration is synthetic. */
  rates?: Record<string, number>;
  /** Metrics the source itself reports as never changing ("(always)"). */
  reportedConstant?: string[];
  /** An A/B compare carried by this run: both sides' metrics. */
  compare?: { a: Record<string, number>; b: Record<string, number>; labels: [string, string] };
  status?: string;
  panics?: string[];
}

export interface AuditFinding {
  code: AuditCode;
  /** Metric name, or '*' for a finding about the whole run or compare. */
  metric: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

/**
 * Integer type maxima a counter clamps at. i8/u8 (127, 255) are left out on purpose: a real count
 * or latency lands on them too often (seed 002's own enhanced chaos run has 127 events).
 */
const TYPE_BOUNDS: Record<number, string> = {
  32767: 'i16 max',
  65535: 'u16 max',
  2147483647: 'i32 max',
  4294967295: 'u32 max',
};
/** A count stuck at 10^k - 1 (k >= 3) is a display or loop cap, e.g. seed 002's "Actions: 999 (always)". */
function decimalCap(v: number): boolean {
  if (v < 999 || !Number.isInteger(v)) return false;
  return /^9+$/.test(String(v));
}

/**
 * Below this many events a perfect record proves little. At 20 events, a true failure rate of
 * 15% (seed 002's injected rate) would show at least one failure 96% of the time.
 */
export const MIN_EVENTS_FOR_NO_FAILURES = 20;
/** A cycle must repeat at least this often before a sequence counts as a loop, not a coincidence. */
export const MIN_SEQUENCE_REPEATS = 2;
/** Sequences shorter than this are too short to call identical across runs. */
export const MIN_SEQUENCE_LENGTH = 3;
/** An array metric needs this many elements before "all identical" means anything. */
const MIN_ARRAY_FOR_VARIANCE = 3;

const SUCCESS_NAME = /(surviv|recover|pass|success|succeed|ok_)/;
const FAILURE_NAME = /(fail|error|crash|timeout|escalat)/;

function scalarsOf(run: AuditRun): [string, number][] {
  return Object.entries(run.metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
}

function sameArray(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function zeroVariance(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const flagged = new Set<string>();
  if (runs.length >= 2) {
    const first = runs[0]!;
    for (const [name, v] of Object.entries(first.metrics)) {
      const values = runs.map((r) => r.metrics[name]);
      if (values.some((x) => x === undefined)) continue;
      const identical =
        typeof v === 'number'
          ? values.every((x) => x === v)
          : values.every((x) => Array.isArray(x) && sameArray(x, v));
      if (!identical) continue;
      flagged.add(name);
      findings.push({
        code: 'ZERO_VARIANCE',
        metric: name,
        severity: 'warning',
        message: `${name} is identical in all ${runs.length} runs (${Array.isArray(v) ? `[${v.join(', ')}]` : v}): a measurement of a real system varies`,
        evidence: { runs: runs.map((r) => r.label), value: v },
      });
    }
  }
  for (const run of runs) {
    for (const name of run.reportedConstant ?? []) {
      if (flagged.has(name)) continue;
      flagged.add(name);
      findings.push({
        code: 'ZERO_VARIANCE',
        metric: name,
        severity: 'warning',
        message: `${name} is reported as the same value in every run ("always")`,
        evidence: {
          run: run.label,
          value: name === 'status' ? run.status : run.metrics[name],
          reported: 'always',
        },
      });
    }
    for (const [name, v] of Object.entries(run.metrics)) {
      if (!Array.isArray(v) || v.length < MIN_ARRAY_FOR_VARIANCE || flagged.has(`${run.label}:${name}`))
        continue;
      if (v.every((x) => x === v[0])) {
        flagged.add(`${run.label}:${name}`);
        findings.push({
          code: 'ZERO_VARIANCE',
          metric: name,
          severity: 'warning',
          message: `all ${v.length} values of ${name} in ${run.label} are ${v[0]}: no variation between repetitions`,
          evidence: { run: run.label, value: v[0], count: v.length },
        });
      }
    }
  }
  return findings;
}

function boundOf(run: AuditRun, name: string, v: number): string | null {
  const declared = run.bounds?.[name];
  if (declared !== undefined && v >= declared) return `declared max ${declared}`;
  if (run.units?.[name] === '%' && v === 100) return '100%';
  const type = TYPE_BOUNDS[Math.abs(v)];
  if (type) return type;
  if (decimalCap(v)) return `decimal cap ${v}`;
  return null;
}

function pinned(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const [name, v] of Object.entries(run.metrics)) {
      const values = typeof v === 'number' ? [v] : v;
      const hits = values.map((x) => boundOf(run, name, x)).filter((b): b is string => b !== null);
      if (hits.length === 0) continue;
      const bound = hits[0]!;
      const key = `${name}|${bound}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const typeBound = bound.endsWith(' max') && !bound.startsWith('declared');
      findings.push({
        code: 'PINNED_AT_BOUND',
        metric: name,
        severity: typeBound ? 'critical' : 'warning',
        message:
          typeof v === 'number'
            ? `${name} = ${v} sits exactly at ${bound}: a clamped or hard-coded value, not a measurement`
            : `${hits.length} of ${values.length} values of ${name} sit exactly at ${bound}`,
        evidence: {
          run: run.label,
          bound,
          value: typeof v === 'number' ? v : values.find((x) => boundOf(run, name, x) !== null),
          count: hits.length,
          of: values.length,
        },
      });
    }
  }
  return findings;
}

function notScaling(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const durations = new Set(runs.map((r) => r.durationMs).filter((d): d is number => d !== undefined));
  if (durations.size >= 2) {
    const first = runs[0]!;
    for (const [name, v] of scalarsOf(first)) {
      if (first.units?.[name] === '%' || !Number.isInteger(v) || v === 0) continue;
      const values = runs.map((r) => r.metrics[name]);
      if (!values.every((x) => x === v)) continue;
      findings.push({
        code: 'NOT_SCALING_WITH_DURATION',
        metric: name,
        severity: 'warning',
        message: `${name} stays ${v} across durations ${[...durations].join(', ')} ms: a counter of work done should grow with time`,
        evidence: {
          runs: runs.map((r) => ({ label: r.label, durationMs: r.durationMs, value: r.metrics[name] })),
        },
      });
    }
  }
  for (const run of runs) {
    for (const [name, rate] of Object.entries(run.rates ?? {})) {
      const v = run.metrics[name];
      if (typeof v !== 'number') continue;
      const seconds = run.durationMs !== undefined ? run.durationMs / 1000 : null;
      if (seconds === null || v !== rate * seconds) continue;
      findings.push({
        code: 'NOT_SCALING_WITH_DURATION',
        metric: name,
        severity: 'warning',
        message: `${name} = ${v} is exactly ${rate}/s x ${seconds} s: no jitter, drops or backpressure, so the count is synthetic`,
        evidence: { run: run.label, value: v, ratePerSec: rate, durationMs: run.durationMs },
      });
    }
  }
  return findings;
}

function arithmetic(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const run of runs) {
    for (const relation of run.relations ?? []) {
      const check = checkRelation(relation, run.metrics);
      if (!check || check.holds) continue;
      findings.push({
        code: 'ARITHMETIC_MISMATCH',
        metric: relation.metric,
        severity: 'critical',
        message: `${describeRelation(relation)} does not hold: declared ${check.declared}, computed ${round(check.computed)}`,
        evidence: {
          run: run.label,
          relation: describeRelation(relation),
          declared: check.declared,
          computed: check.computed,
        },
      });
    }
  }
  return findings;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Smallest period p (p <= n / MIN_SEQUENCE_REPEATS) such that the sequence is its first p items repeated. */
export function smallestPeriod(seq: readonly string[]): number | null {
  const n = seq.length;
  for (let p = 1; p * MIN_SEQUENCE_REPEATS <= n; p++) {
    let periodic = true;
    for (let i = p; i < n && periodic; i++) periodic = seq[i] === seq[i - p];
    if (periodic) return p;
  }
  return null;
}

function identicalSequence(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const run of runs) {
    const events = run.events ?? [];
    const p = smallestPeriod(events);
    if (p === null || events.length < MIN_SEQUENCE_LENGTH) continue;
    findings.push({
      code: 'IDENTICAL_SEQUENCE',
      metric: 'events',
      severity: 'critical',
      message: `${run.label}: the same ${p} event${p === 1 ? '' : 's'} repeat in the same order ${(events.length / p).toFixed(1).replace(/\.0$/, '')} times: a fixed loop, not random chaos`,
      evidence: {
        run: run.label,
        cycle: events.slice(0, p),
        repeats: events.length / p,
        total: events.length,
      },
    });
  }
  const withEvents = runs.filter((r) => (r.events?.length ?? 0) >= MIN_SEQUENCE_LENGTH);
  if (withEvents.length >= 2 && withEvents.every((r) => sameSequence(r.events!, withEvents[0]!.events!))) {
    findings.push({
      code: 'IDENTICAL_SEQUENCE',
      metric: 'events',
      severity: 'critical',
      message: `all ${withEvents.length} runs replay the same ${withEvents[0]!.events!.length} events in the same order`,
      evidence: { runs: withEvents.map((r) => r.label), first: withEvents[0]!.events!.slice(0, 10) },
    });
  }
  return findings;
}

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function noFailures(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const run of runs) {
    const scalars = scalarsOf(run);
    const failures = scalars.filter(([n]) => FAILURE_NAME.test(n));
    if (failures.some(([, v]) => v > 0)) continue;
    for (const [name, v] of scalars) {
      if (FAILURE_NAME.test(name)) continue;
      const isRate = run.units?.[name] === '%' && /rate/.test(name);
      const isCount = SUCCESS_NAME.test(name) && !/rate/.test(name) && Number.isInteger(v);
      const events = isCount ? v : largestCount(run);
      if (isRate && v === 100 && events >= MIN_EVENTS_FOR_NO_FAILURES) {
        findings.push(
          noFailureFinding(run, name, `${name} is exactly 100% over ${events} events`, { rate: v, events }),
        );
      } else if (isCount && v >= MIN_EVENTS_FOR_NO_FAILURES) {
        const failed = failures.map(([n]) => n);
        findings.push(
          noFailureFinding(
            run,
            name,
            `${name} = ${v} with ${failed.length ? `${failed.join(', ')} = 0` : 'no failure count at all'}: a 100% pass rate over ${v} events`,
            {
              successes: v,
              failureMetrics: failed,
            },
          ),
        );
      }
    }
  }
  return findings;
}

function largestCount(run: AuditRun): number {
  return Math.max(
    0,
    ...scalarsOf(run)
      .filter(([n, v]) => Number.isInteger(v) && run.units?.[n] !== '%')
      .map(([, v]) => v),
  );
}

function noFailureFinding(
  run: AuditRun,
  metric: string,
  message: string,
  extra: Record<string, unknown>,
): AuditFinding {
  return {
    code: 'NO_FAILURES',
    metric,
    severity: 'warning',
    message: `${run.label}: ${message}; real fault injection produces some failures`,
    evidence: { run: run.label, status: run.status, ...extra },
  };
}

function compareNoDifference(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const run of runs) {
    const cmp = run.compare;
    if (!cmp) continue;
    const common = Object.keys(cmp.a).filter((k) => k in cmp.b);
    if (common.length === 0) continue;
    if (common.every((k) => cmp.a[k] === cmp.b[k])) {
      findings.push({
        code: 'COMPARE_NO_DIFFERENCE',
        metric: '*',
        severity: 'critical',
        message: `${run.label}: ${cmp.labels[0]} and ${cmp.labels[1]} are identical on all ${common.length} metrics: the toggle is not wired to anything measured`,
        evidence: {
          run: run.label,
          labels: cmp.labels,
          metrics: Object.fromEntries(common.map((k) => [k, cmp.a[k]])),
        },
      });
    }
  }
  return findings;
}

function statusContradiction(runs: readonly AuditRun[]): AuditFinding[] {
  return runs
    .filter((r) => (r.panics?.length ?? 0) > 0 && /^pass$/i.test(r.status ?? ''))
    .map((r) => ({
      code: 'STATUS_CONTRADICTION' as const,
      metric: 'status',
      severity: 'critical' as const,
      message: `${r.label}: status ${r.status} after a panic (${r.panics![0]})`,
      evidence: { run: r.label, status: r.status, panics: r.panics },
    }));
}

/**
 * Audits repeated runs of one plan (or one run alone; cross-run checks then have nothing to
 * compare and stay quiet). Findings come in a fixed order of checks, then metric order.
 */
export function auditRuns(runs: readonly AuditRun[]): AuditFinding[] {
  return [
    ...zeroVariance(runs),
    ...pinned(runs),
    ...notScaling(runs),
    ...arithmetic(runs),
    ...identicalSequence(runs),
    ...noFailures(runs),
    ...compareNoDifference(runs),
    ...statusContradiction(runs),
  ];
}

/** The two sides of a parsed `stresstest compare` as two audit runs of the same plan. */
export function compareSidesAsRuns(out: StresstestOutput, label: string): AuditRun[] {
  if (!out.sides) return [];
  return [
    toAuditRun(out.sides.off, `${label} (autonomy off)`),
    toAuditRun(out.sides.on, `${label} (autonomy on)`),
  ];
}

/** One parsed stresstest output as an audit run (a compare carries its off/on table as A/B). */
export function toAuditRun(out: StresstestOutput, label: string): AuditRun {
  const run: AuditRun = {
    label,
    metrics: out.metrics,
    units: out.units,
    events: out.events.map((e) => e.name),
    relations: out.relations,
    rates: out.rates,
    reportedConstant: out.reportedConstant,
    panics: out.panics,
  };
  if (out.durationMs !== null) run.durationMs = out.durationMs;
  if (out.status !== null) run.status = out.status;
  if (out.comparison)
    run.compare = { a: out.comparison.off, b: out.comparison.on, labels: ['autonomy off', 'autonomy on'] };
  return run;
}

const RESULT_FIELDS = ['count', 'min', 'p50', 'p95', 'p99', 'p999', 'max', 'mean'] as const;

/**
 * A Probe Lab results document as an audit run, so repeated runs of one plan can be audited the
 * same way as seed 002's text: each metric field becomes `name.field` (a single value keeps the
 * bare name), counters keep their names, raw samples become `samples.name` arrays, and scenarios
 * give the event order plus recovered / failed counts.
 */
export function resultsToAuditRun(doc: ResultsDoc, label = doc.runId): AuditRun {
  const metrics: Record<string, number | number[]> = {};
  const units: Record<string, string> = {};
  for (const [name, m] of Object.entries(doc.metrics)) {
    if (m.value !== undefined) {
      metrics[name] = m.value;
      units[name] = m.unit;
    }
    for (const field of RESULT_FIELDS) {
      const v = m[field];
      if (v === undefined) continue;
      metrics[`${name}.${field}`] = v;
      if (field !== 'count') units[`${name}.${field}`] = m.unit;
    }
  }
  for (const [name, v] of Object.entries(doc.counters)) metrics[name] = v;
  for (const [name, xs] of Object.entries(doc.samples ?? {})) metrics[`samples.${name}`] = xs;
  const run: AuditRun = { label, metrics, units };
  const durationMs = Date.parse(doc.endedAt) - Date.parse(doc.startedAt);
  if (Number.isFinite(durationMs)) run.durationMs = durationMs;
  if (doc.scenarios && doc.scenarios.length > 0) {
    run.events = doc.scenarios.map((sc) => sc.type);
    metrics['scenarios.recovered'] = doc.scenarios.filter((sc) => sc.outcome === 'recovered').length;
    metrics['scenarios.failed'] = doc.scenarios.filter((sc) => sc.outcome !== 'recovered').length;
  }
  run.status = doc.verdict;
  return run;
}
