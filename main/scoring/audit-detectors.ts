/**
 * The stub audit's value checks: metrics that never vary between runs, values pinned at a type's
 * maximum or at 100%, counters that do not grow with time or are exactly rate x duration, and
 * totals that do not add up to the parts the run itself printed.
 */
import { checkRelation, describeRelation } from './relations';
import type { AuditFinding, AuditRun } from './audit-types';
import {
  ZERO_VARIANCE_ALPHA,
  coincidenceChance,
  constantMetrics,
  jointChance,
  repeatChance,
  sharedFamilies,
} from './audit-chance';

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

/** An array metric needs this many elements before "all identical" means anything. */
const MIN_ARRAY_FOR_VARIANCE = 3;

export function zeroVariance(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const flagged = new Set<string>();
  const constants = constantMetrics(runs);
  const families = sharedFamilies(runs);
  const joint = coincidenceChance(constants, runs[0]?.relations ?? [], families);
  if (constants.length > 0 && joint < ZERO_VARIANCE_ALPHA) {
    for (const c of constants) {
      flagged.add(c.name);
      findings.push({
        code: 'ZERO_VARIANCE',
        metric: c.name,
        severity: 'warning',
        message: `${c.name} is identical in all ${runs.length} runs (${Array.isArray(c.value) ? `[${c.value.join(', ')}]` : c.value}): a measurement of a real system varies`,
        evidence: {
          runs: runs.map((r) => r.label),
          value: c.value,
          chanceIfHonest: c.chance,
          constantMetrics: constants.length,
          metricFamiliesCompared: families,
          jointChanceIfHonest: joint,
        },
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
      // Four file-system timings of 4 ms each from a millisecond clock happen; ten rewards of
      // 32767 do not: the same coincidence test as across runs, over the repetitions.
      const chance = repeatChance(v[0]!, run.units?.[name], run.resolutions?.[name]) ** (v.length - 1);
      if (v.every((x) => x === v[0]) && chance < ZERO_VARIANCE_ALPHA) {
        flagged.add(`${run.label}:${name}`);
        findings.push({
          code: 'ZERO_VARIANCE',
          metric: name,
          severity: 'warning',
          message: `all ${v.length} values of ${name} in ${run.label} are ${v[0]}: no variation between repetitions`,
          evidence: { run: run.label, value: v[0], count: v.length, chanceIfHonest: chance },
        });
      }
    }
  }
  return findings;
}

const SUCCESS_RATE = /(success|surviv|recover|pass)\w*_rate|rate_of_(success|recovery)/;

function boundOf(run: AuditRun, name: string, v: number): string | null {
  const declared = run.bounds?.[name];
  if (declared !== undefined && v >= declared) return `declared max ${declared}`;
  // A success rate at 100% is NO_FAILURES's call, weighed against the number of events.
  if (run.units?.[name] === '%' && v === 100 && !SUCCESS_RATE.test(name)) return '100%';
  const type = TYPE_BOUNDS[Math.abs(v)];
  if (type) return type;
  if (decimalCap(v)) return `decimal cap ${v}`;
  return null;
}

/**
 * An honest value lands on 999 or 32767 now and then (one in thousands of rewards or latencies);
 * a clamp or a hard-coded value lands there every time. So a type maximum or decimal cap needs
 * this many hits in the group (array elements and runs together), unless the source says "always".
 */
export const MIN_HITS_AT_VALUE_BOUND = 2;

function hitsOf(run: AuditRun, name: string): string[] {
  const v = run.metrics[name];
  const values = v === undefined ? [] : typeof v === 'number' ? [v] : v;
  return values.map((x) => boundOf(run, name, x)).filter((b): b is string => b !== null);
}

export function pinned(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const seen = new Set<string>();
  const total = new Map<string, number>();
  for (const run of runs)
    for (const name of Object.keys(run.metrics))
      for (const b of hitsOf(run, name)) total.set(`${name}|${b}`, (total.get(`${name}|${b}`) ?? 0) + 1);
  for (const run of runs) {
    for (const [name, v] of Object.entries(run.metrics)) {
      const values = typeof v === 'number' ? [v] : v;
      const hits = hitsOf(run, name);
      if (hits.length === 0) continue;
      const bound = hits[0]!;
      const key = `${name}|${bound}`;
      if (seen.has(key)) continue;
      const valueBound = bound !== '100%' && !bound.startsWith('declared');
      if (valueBound && total.get(key)! < MIN_HITS_AT_VALUE_BOUND && !run.reportedConstant?.includes(name))
        continue;
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

/**
 * Runs of one plan end a few ms apart; a counter need not differ for that. Only durations at least
 * this far apart (seed 002: 10 s against 30 s) say a counter of work should have grown.
 */
export const MIN_DURATION_RATIO = 1.2;

export function notScaling(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const durations = new Set(runs.map((r) => r.durationMs).filter((d): d is number => d !== undefined));
  if (durations.size >= 2 && Math.max(...durations) >= MIN_DURATION_RATIO * Math.min(...durations)) {
    const first = runs[0]!;
    // Only counters of work: a percentage or a zero does not have to grow with time.
    const counters = constantMetrics(runs).filter(
      (c) =>
        typeof c.value === 'number' &&
        Number.isInteger(c.value) &&
        c.value !== 0 &&
        first.units?.[c.name] !== '%',
    );
    const joint = jointChance(counters, first.relations);
    for (const c of joint < ZERO_VARIANCE_ALPHA ? counters : []) {
      findings.push({
        code: 'NOT_SCALING_WITH_DURATION',
        metric: c.name,
        severity: 'warning',
        message: `${c.name} stays ${String(c.value)} across durations ${[...durations].join(', ')} ms: a counter of work done should grow with time`,
        evidence: {
          runs: runs.map((r) => ({ label: r.label, durationMs: r.durationMs, value: r.metrics[c.name] })),
          jointChanceIfHonest: joint,
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

export function arithmetic(runs: readonly AuditRun[]): AuditFinding[] {
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
