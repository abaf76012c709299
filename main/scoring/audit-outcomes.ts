/**
 * The stub audit's event and outcome checks: a chaos loop replaying the same events in the same
 * order, a flawless pass record over many events, an A/B compare whose sides are identical, and a
 * PASS printed after a panic.
 */
import { scalarsOf, type AuditFinding, type AuditRun } from './audit-types';

/**
 * Below this many events a perfect record proves little. At 20 events, a true failure rate of
 * 15% (seed 002's injected rate) would show at least one failure 96% of the time.
 */
export const MIN_EVENTS_FOR_NO_FAILURES = 20;
/** A cycle must repeat at least this often before a sequence counts as a loop, not a coincidence. */
export const MIN_SEQUENCE_REPEATS = 2;
/** Sequences shorter than this are too short to call identical across runs. */
export const MIN_SEQUENCE_LENGTH = 3;

const SUCCESS_NAME = /(surviv|recover|pass|success|succeed|ok_)/;
const FAILURE_NAME = /(fail|error|crash|timeout|escalat)/;
const MEASURE_UNIT = (unit: string | undefined): boolean =>
  unit !== undefined && !['count', 'x', 'occurrence', 'occurrences'].includes(unit);

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

export function identicalSequence(runs: readonly AuditRun[]): AuditFinding[] {
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

/**
 * With a declared failure rate p, n flawless events happen honestly with chance (1 - p)^n; below
 * this chance a flawless record is called implausible (at p = 15%: 43 events or more).
 */
export const NO_FAILURES_ALPHA = 0.001;

function implausibleWithoutFailure(run: AuditRun, events: number): boolean {
  if (events < MIN_EVENTS_FOR_NO_FAILURES) return false;
  const p = run.declaredFailRatePct;
  if (p === undefined || p <= 0) return true;
  return (1 - Math.min(p, 100) / 100) ** events < NO_FAILURES_ALPHA;
}

export function noFailures(runs: readonly AuditRun[]): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const run of runs) {
    const scalars = scalarsOf(run);
    const failures = scalars.filter(([n]) => FAILURE_NAME.test(n));
    if (failures.some(([, v]) => v > 0)) continue;
    for (const [name, v] of scalars) {
      if (FAILURE_NAME.test(name)) continue;
      const isRate = run.units?.[name] === '%' && /rate/.test(name);
      // A quantity with a unit ("Memory Recovered: 222.0 MB") is a measure, not a count of successes.
      const isCount =
        SUCCESS_NAME.test(name) &&
        !/rate/.test(name) &&
        Number.isInteger(v) &&
        !MEASURE_UNIT(run.units?.[name]);
      const events = isCount ? v : largestCount(run);
      if (!implausibleWithoutFailure(run, events)) continue;
      if (isRate && v === 100) {
        findings.push(
          noFailureFinding(run, name, `${name} is exactly 100% over ${events} events`, { rate: v, events }),
        );
      } else if (isCount) {
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

export function compareNoDifference(runs: readonly AuditRun[]): AuditFinding[] {
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

export function statusContradiction(runs: readonly AuditRun[]): AuditFinding[] {
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
