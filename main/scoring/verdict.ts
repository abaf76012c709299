/**
 * The probe's thresholds, each with its measured value, so a verdict is never a bare word.
 * Seed 000: pulse latency (no critical or skipped pulse), snapshot coverage, integrity unchanged,
 * the plan's expected TES band, and no guard-rail trip.
 */
import type {
  Anomaly,
  Coverage,
  IntegrityCheck,
  Pulse,
  TesScore,
  ThresholdResult,
  Verdict,
} from '../model/evidence';
import type { Plan } from '../model/plan';
import { integrityProblem } from './pulse';

/** The threshold row whose failure alone makes a run INCOMPLETE rather than FAIL. */
export const BURST_EVIDENCE = 'burst during the tasks';

/**
 * Seed 000 section 3: bursts *during* the probe. A non-skipped `during` pulse counts when it found
 * at least one task alive; with no task targets, any `during` pulse of the probe's work counts.
 */
export function burstDuringTasks(pulses: readonly Pulse[], taskIds: readonly string[]): Pulse[] {
  const during = pulses.filter((p) => p.phase === 'during' && p.latencyClass !== 'skipped');
  if (!taskIds.length) return during;
  return during.filter((p) => p.targets.some((t) => t.alive && taskIds.includes(t.targetId)));
}

/** HALTED over FAIL over INCOMPLETE (evidence missing) over PASS. */
export function decideVerdict(thresholds: readonly ThresholdResult[], halted: boolean): Verdict {
  if (halted) return 'HALTED';
  if (thresholds.some((t) => !t.ok && t.name !== BURST_EVIDENCE)) return 'FAIL';
  return thresholds.some((t) => !t.ok) ? 'INCOMPLETE' : 'PASS';
}

export function evaluateThresholds(input: {
  plan: Plan;
  pulses: Pulse[];
  coverage: Coverage | null;
  /** Snapshot coverage over the burst windows (seed 000's rule); absent for callers before it. */
  burstCoverage?: Coverage | null;
  /** The evidence check: ok, and what was measured (the checklist's why). */
  burstEvidence?: { ok: boolean; actual: string };
  probeTes: TesScore | null;
  integrity: IntegrityCheck | null;
  anomalies: Anomaly[];
}): ThresholdResult[] {
  const { plan, pulses } = input;
  const out: ThresholdResult[] = [];
  const bad = pulses.filter((p) => p.latencyClass === 'critical' || p.latencyClass === 'skipped');
  const worst = pulses.reduce((m, p) => Math.max(m, p.latencyMs), 0);
  out.push({
    name: 'pulse latency',
    ok: bad.length === 0,
    actual: `${bad.length} critical or skipped of ${pulses.length}; worst ${(worst / 1000).toFixed(2)} s`,
    value: Math.round(worst),
    unit: 'ms',
    expected: `every pulse under ${plan.thresholds.pulse.critSec} s, none skipped`,
  });
  const phases = new Set(pulses.filter((p) => p.latencyClass !== 'skipped').map((p) => p.phase));
  const evidence = ['before', 'after'].every((ph) => phases.has(ph as Pulse['phase']));
  out.push({
    name: 'evidence pulses',
    ok: evidence,
    actual: `before: ${phases.has('before') ? 'yes' : 'no'}, during: ${pulses.filter((p) => p.phase === 'during').length}, after: ${phases.has('after') ? 'yes' : 'no'}`,
    expected: 'a pulse before and at least one compliance pulse after',
    value: pulses.filter((p) => p.phase === 'during').length,
    unit: 'count',
  });
  if (input.burstEvidence)
    out.push({
      name: BURST_EVIDENCE,
      ok: input.burstEvidence.ok,
      actual: input.burstEvidence.actual,
      expected: 'at least one burst pulse while a task ran (seed 000 section 3); without it: INCOMPLETE',
    });
  const bc = input.burstCoverage;
  if (bc) {
    out.push({
      name: 'snapshot coverage during bursts',
      ok: bc.pct >= plan.thresholds.coverage.minPct && bc.missing.length === 0,
      actual: `${bc.present}/${bc.expected} burst(s) with a snapshot (${bc.pct}%), ${bc.missing.length} missing`,
      expected: `>= ${plan.thresholds.coverage.minPct}% of bursts with a snapshot, none missing (seed 000 section 4)`,
    });
  }
  if (input.coverage) {
    out.push({
      name: 'snapshot coverage',
      ok: input.coverage.pct >= plan.thresholds.coverage.minPct && input.coverage.missing.length === 0,
      actual: `${input.coverage.present}/${input.coverage.expected} slots (${input.coverage.pct}%), ${input.coverage.missing.length} gap(s)`,
      value: input.coverage.pct,
      unit: '%',
      expected: `>= ${plan.thresholds.coverage.minPct}% and no gap over 1.5x the cadence`,
    });
  }
  out.push({
    name: 'integrity',
    ok: input.integrity ? input.integrity.ok : true,
    actual: input.integrity
      ? input.integrity.ok
        ? 'unchanged'
        : integrityProblem(input.integrity)
      : 'no governance folder or sentinels',
    expected: 'governance hash and sentinels unchanged',
    value: input.integrity ? input.integrity.changed.length : 0,
    unit: 'count',
  });
  const tb = plan.thresholds.tes;
  if (tb.min !== undefined || tb.max !== undefined) {
    const s = input.probeTes?.score ?? null;
    out.push({
      name: 'TES band',
      ok: s !== null && (tb.min === undefined || s >= tb.min) && (tb.max === undefined || s <= tb.max),
      actual: s === null ? 'no TES' : String(s),
      value: s,
      unit: 'score',
      expected: `${tb.min ?? 0} <= TES <= ${tb.max ?? 100}`,
    });
  }
  const trips = input.anomalies.filter((a) => a.code === 'GUARD_RAIL_TRIPPED');
  out.push({
    name: 'guard rails',
    ok: trips.length === 0,
    actual: trips.length ? trips.map((t) => t.message).join('; ') : 'never tripped',
    value: trips.length,
    unit: 'count',
    expected: `CPU <= ${plan.thresholds.guard.cpuPct}%, RAM <= ${plan.thresholds.guard.ramPct}%, GPU <= ${plan.thresholds.guard.gpuPct}% (sustained ${plan.thresholds.guard.windowSec} s)`,
  });
  return out;
}
