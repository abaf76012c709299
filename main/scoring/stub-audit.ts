/**
 * The stub audit: seed 002's central finding turned into checks. A stress test that prints the
 * same numbers every run, numbers pinned at a type's maximum, counts that are exactly rate x
 * duration, totals that do not add up, a chaos loop replaying the same events in the same order,
 * a flawless pass rate over hundreds of events, or an A/B compare whose sides are identical, is
 * most likely reporting what it was told to print, not what it measured. Each finding names the
 * metric and carries the numbers that triggered it.
 */
import type { ResultsDoc } from './results';
import type { StresstestOutput } from './stresstest-output';
import type { AuditFinding, AuditRun } from './audit-types';
import { arithmetic, notScaling, pinned, zeroVariance } from './audit-detectors';
import { compareNoDifference, identicalSequence, noFailures, statusContradiction } from './audit-outcomes';

export {
  parseStresstestOutput,
  type StresstestOutput,
  type StresstestKind,
  type ChaosEventLine,
} from './stresstest-output';
export type { Relation } from './relations';
export type { AuditCode, AuditFinding, AuditRun } from './audit-types';
export {
  MIN_EVENTS_FOR_NO_FAILURES,
  MIN_SEQUENCE_LENGTH,
  MIN_SEQUENCE_REPEATS,
  smallestPeriod,
} from './audit-outcomes';

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
  if (out.config.failure_injection_rate !== undefined)
    run.declaredFailRatePct = out.config.failure_injection_rate;
  if (out.status !== null) run.status = out.status;
  if (out.comparison)
    run.compare = { a: out.comparison.off, b: out.comparison.on, labels: ['autonomy off', 'autonomy on'] };
  return run;
}

const RESULT_FIELDS = ['count', 'min', 'p50', 'p95', 'p99', 'p999', 'max', 'mean'] as const;
const TIME_UNITS = new Set(['ns', 'us', 'μs', 'ms', 's']);
/** Fewer samples than this do not show a clock's resolution (one value of 3000 may be chance). */
const MIN_SAMPLES_FOR_RESOLUTION = 3;

/**
 * The largest power of ten that divides every sample: a file-system timing taken in whole
 * milliseconds and exported in microseconds has 1000. Its order statistics repeat in those steps;
 * the mean of n such samples moves in steps of resolution / n.
 */
export function sampleResolution(xs: readonly number[]): number | undefined {
  const nonZero = xs.filter((x) => x !== 0);
  if (nonZero.length < MIN_SAMPLES_FOR_RESOLUTION || !nonZero.every(Number.isInteger)) return undefined;
  let r = 1;
  while (r < 1e9 && nonZero.every((x) => x % (r * 10) === 0)) r *= 10;
  return r;
}

/**
 * A Probe Lab results document as an audit run, so repeated runs of one plan can be audited the
 * same way as seed 002's text: each metric field becomes `name.field` (a single value keeps the
 * bare name), counters keep their names, raw samples become `samples.name` arrays, and scenarios
 * give the event order plus recovered / failed counts.
 */
export function resultsToAuditRun(doc: ResultsDoc, label = doc.runId): AuditRun {
  const metrics: Record<string, number | number[]> = {};
  const units: Record<string, string> = {};
  const resolutions: Record<string, number> = {};
  for (const [name, m] of Object.entries(doc.metrics)) {
    const resolution = m.resolution ?? sampleResolution(doc.samples?.[name] ?? []);
    // A score is computed from bands (TES), not measured: honest runs that behave alike score alike.
    if (m.unit === 'score') continue;
    if (m.value !== undefined) {
      metrics[name] = m.value;
      units[name] = m.unit;
    }
    // A sampled percentage (host or target CPU and RAM) is a gauge of a paced workload, coarse to
    // 1%: runs of one plan agree on it honestly (measured: four idle workers at 0-4% of a core).
    // The same holds for a sampled size: an idle process of the same program holds the same RSS
    // to the page in two runs (measured: 28096 kB for a quick-concurrency worker in both).
    if ((m.unit === '%' || m.unit === 'kB') && m.value === undefined) continue;
    for (const field of RESULT_FIELDS) {
      const v = m[field];
      // How many measurements were taken is the plan's schedule, not a measurement.
      if (v === undefined || field === 'count') continue;
      metrics[`${name}.${field}`] = v;
      // The max of a sampled percentage reaching 100 is a saturated host, measured; only a
      // single reported value of exactly 100% is the stub's "always 100%".
      if (m.unit !== '%') units[`${name}.${field}`] = m.unit;
      if (resolution !== undefined)
        resolutions[`${name}.${field}`] = field === 'mean' ? resolution / (m.count ?? 1) : resolution;
    }
  }
  for (const [name, v] of Object.entries(doc.counters)) metrics[name] = v;
  // Timed samples only: a timing never repeats to the microsecond, but a gauge of state (an idle
  // process's RSS or CPU, a score from bands) may hold still for a whole run, honestly.
  for (const [name, xs] of Object.entries(doc.samples ?? {})) {
    const unit = doc.metrics[name]?.unit;
    if (unit !== undefined && !TIME_UNITS.has(unit)) continue;
    metrics[`samples.${name}`] = xs;
    const resolution = doc.metrics[name]?.resolution ?? sampleResolution(xs);
    if (resolution !== undefined) resolutions[`samples.${name}`] = resolution;
  }
  const run: AuditRun = { label, metrics, units, resolutions };
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
