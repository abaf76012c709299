/**
 * A chaos run's outcome in words and numbers: PASS, PARTIAL PASS or FAIL by seed 002's rule
 * (no failures; fewer than half; half or more), a failure breakdown by type and cause, the events
 * that need investigation (every failure that was not injected on purpose), recovery-time
 * percentiles per scenario type, degradation against the baseline, and the results v1 document
 * that `probe-lab check` gates and `probe-lab compare` compares.
 */
import type { LatencyRecorder, LatencySummary } from '../../scoring/histogram';
import { RESULTS_SCHEMA_ID, type ResultsDoc, type ResultsMetric } from '../../scoring/results';
import { percentiles } from '../../scoring/stats';
import type { MethodOutcome } from './recovery';
import type { ScenarioType } from './schema';
import type { ThresholdResult } from '../../model/evidence';

/** Raw samples kept per sampled metric in the results document (the first ones, in order). */
export const MAX_SAMPLES = 5000;

export type ScenarioOutcome = 'recovered' | 'escalated' | 'failed';
export type ChaosVerdict = 'PASS' | 'PARTIAL' | 'FAIL' | 'HALTED';

export interface ScenarioRecord {
  id: string;
  wave: number;
  type: ScenarioType;
  targetId: string;
  params: Record<string, number>;
  injectFailure: boolean;
  /** Escalated while another scenario's injected failure held the same target frozen. */
  collateralOf: string | null;
  outcome: ScenarioOutcome;
  startedAt: number;
  releasedAt: number | null;
  /** From the fault's start to its release. */
  faultMs: number | null;
  /** From the release to the last recovery method agreeing; null when not recovered. */
  recoveryMs: number | null;
  /** From the fault's start to recovery: always at least the fault's own duration. */
  outageMs: number | null;
  methods: MethodOutcome[];
  /** Why it escalated or failed. */
  cause: string | null;
  details: Record<string, unknown>;
}

export interface SteadyCheck {
  label: string;
  at: number;
  ok: boolean;
  status: string;
  reasons: string[];
}

export interface ChaosSummary {
  verdict: ChaosVerdict;
  verdictText: string;
  total: number;
  recovered: number;
  escalated: number;
  failed: number;
  injected: number;
  unexpected: number;
  steadyFailures: number;
  /** `type: cause` -> event ids. */
  breakdown: Record<string, string[]>;
  investigate: { id: string; type: ScenarioType; targetId: string; cause: string }[];
  recoveryMs: Record<string, { count: number; p50: number; p95: number; p99: number; max: number }>;
}

export function classify(
  records: readonly ScenarioRecord[],
  steady: readonly SteadyCheck[],
  halted: boolean,
): ChaosSummary {
  const recovered = records.filter((r) => r.outcome === 'recovered').length;
  const escalated = records.filter((r) => r.outcome === 'escalated').length;
  const failed = records.filter((r) => r.outcome === 'failed').length;
  const bad = records.filter((r) => r.outcome !== 'recovered');
  const breakdown: Record<string, string[]> = {};
  for (const r of bad) {
    const why =
      r.outcome === 'failed'
        ? 'injection failed'
        : r.injectFailure
          ? 'recovery timeout (injected)'
          : r.collateralOf
            ? 'recovery timeout (target frozen by an injected failure)'
            : 'recovery timeout';
    const key = `${r.type}: ${why}`;
    (breakdown[key] ??= []).push(r.id);
  }
  const investigate = bad
    .filter((r) => !r.injectFailure && !r.collateralOf)
    .map((r) => ({ id: r.id, type: r.type, targetId: r.targetId, cause: r.cause ?? r.outcome }));
  const steadyFailures = steady.filter((s) => !s.ok).length;
  const failures = escalated + failed;
  let verdict: ChaosVerdict;
  if (halted) verdict = 'HALTED';
  else if (records.length === 0) verdict = 'FAIL';
  else if (failures === 0) verdict = steadyFailures ? 'PARTIAL' : 'PASS';
  else verdict = failures < records.length / 2 ? 'PARTIAL' : 'FAIL';
  const recoveryMs: ChaosSummary['recoveryMs'] = {};
  const byType = new Map<string, number[]>([['all', []]]);
  for (const r of records) {
    if (r.recoveryMs === null) continue;
    byType.get('all')?.push(r.recoveryMs);
    byType.set(r.type, [...(byType.get(r.type) ?? []), r.recoveryMs]);
  }
  for (const [k, xs] of byType) {
    if (xs.length === 0) continue;
    const p = percentiles(xs, [50, 95, 99]);
    recoveryMs[k] = {
      count: xs.length,
      p50: round(p[50]),
      p95: round(p[95]),
      p99: round(p[99]),
      max: Math.max(...xs),
    };
  }
  return {
    verdict,
    verdictText: verdict === 'PARTIAL' ? 'PARTIAL PASS' : verdict,
    total: records.length,
    recovered,
    escalated,
    failed,
    injected: records.filter((r) => r.injectFailure).length,
    unexpected: investigate.length,
    steadyFailures,
    breakdown,
    investigate,
    recoveryMs,
  };
}

const round = (x: number | undefined) => Math.round((x ?? 0) * 100) / 100;

function latencyMetric(s: LatencySummary, histogram?: string): ResultsMetric {
  const { unit, ...rest } = s;
  return { unit, ...rest, ...(histogram ? { histogram } : {}) };
}

export interface ResultsInput {
  runId: string;
  planId: string;
  startedAt: number;
  endedAt: number;
  seed: number;
  summary: ChaosSummary;
  records: readonly ScenarioRecord[];
  baseline: LatencyRecorder;
  monitor: LatencyRecorder;
  command: LatencyRecorder;
  baselineSamplesMs: number[];
  monitorSamplesMs: number[];
  counters: Record<string, number>;
}

/** Degradation: during-wave latency over the baseline taken before load, at p50 and p99. */
export function degradation(
  baseline: LatencyRecorder,
  monitor: LatencyRecorder,
): { p50Ratio: number; p99Ratio: number } | null {
  const b = baseline.summary().uncorrected;
  const m = monitor.summary().uncorrected;
  if (b.count === 0 || m.count === 0 || b.p50 === 0 || b.p99 === 0) return null;
  return {
    p50Ratio: Math.round((m.p50 / b.p50) * 100) / 100,
    p99Ratio: Math.round((m.p99 / b.p99) * 100) / 100,
  };
}

export function chaosResultsDocument(i: ResultsInput): ResultsDoc {
  const metrics: Record<string, ResultsMetric> = {};
  const add = (name: string, rec: LatencyRecorder) => {
    const s = rec.summary();
    if (s.uncorrected.count === 0) return;
    const enc = rec.encode();
    metrics[name] = latencyMetric(s.uncorrected, enc.uncorrected);
    metrics[`${name}_corrected`] = latencyMetric(s.corrected, enc.corrected);
  };
  add('ping_baseline', i.baseline);
  add('ping_during_waves', i.monitor);
  add('command_latency', i.command);
  for (const [k, v] of Object.entries(i.summary.recoveryMs)) {
    metrics[k === 'all' ? 'recovery_ms' : `recovery_ms.${k}`] = {
      unit: 'ms',
      count: v.count,
      p50: v.p50,
      p95: v.p95,
      p99: v.p99,
      max: v.max,
    };
  }
  const d = degradation(i.baseline, i.monitor);
  if (d) {
    metrics.degradation_p50_ratio = { unit: 'ratio', value: d.p50Ratio };
    metrics.degradation_p99_ratio = { unit: 'ratio', value: d.p99Ratio };
  }
  const recoverySamples = i.records.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]));
  const samples: Record<string, number[]> = {};
  if (i.baselineSamplesMs.length) samples.ping_baseline_ms = i.baselineSamplesMs.slice(0, MAX_SAMPLES);
  if (i.monitorSamplesMs.length) samples.ping_during_waves_ms = i.monitorSamplesMs.slice(0, MAX_SAMPLES);
  if (recoverySamples.length) samples.recovery_ms = recoverySamples.slice(0, MAX_SAMPLES);
  const s = i.summary;
  return {
    schema: RESULTS_SCHEMA_ID,
    runId: i.runId,
    planId: i.planId,
    kind: 'chaos',
    startedAt: new Date(i.startedAt).toISOString(),
    endedAt: new Date(i.endedAt).toISOString(),
    seed: i.seed,
    verdict: s.verdict,
    metrics,
    counters: {
      scenarios: s.total,
      recovered: s.recovered,
      escalated: s.escalated,
      failed: s.failed,
      injected_failures: s.injected,
      unexpected_failures: s.unexpected,
      steady_state_failures: s.steadyFailures,
      ...i.counters,
    },
    samples,
    scenarios: i.records.map((r) => ({
      id: r.id,
      type: r.type,
      wave: r.wave,
      outcome: r.outcome,
      recoveryMs: r.recoveryMs,
      methods: r.methods.map((m) => ({ method: m.method, ok: m.ok, atMs: m.atMs })),
    })),
  };
}

/** One line per scenario, seed 002's shape: `w2-e1 cpu-spike on agent (share 0.8, 1200 ms) -> recovered (84 ms)`. */
export function scenarioLine(r: ScenarioRecord): string {
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const methods = r.methods
    .map((m) => `${m.method} ${m.ok ? `${Math.round(m.atMs ?? 0)} ms` : 'no'}`)
    .join(', ');
  const head = `${r.id} ${r.type} on ${r.targetId} (${params})${r.injectFailure ? ' [failure injected]' : ''}`;
  if (r.outcome === 'recovered')
    return `${head} -> recovered in ${Math.round(r.recoveryMs ?? 0)} ms after release (${methods})`;
  if (r.outcome === 'escalated') return `${head} -> ESCALATED: ${r.cause ?? 'no recovery'} (${methods})`;
  return `${head} -> FAILED: ${r.cause ?? 'fault could not be injected'}`;
}

/** The chaos run's two thresholds: every scenario recovers, and steady state holds around the waves. */
export function chaosThresholds(
  summary: ReturnType<typeof classify>,
  steady: SteadyCheck[],
): ThresholdResult[] {
  return [
    {
      name: 'chaos recovery',
      ok: summary.unexpected === 0 && summary.total > 0,
      actual: `${summary.verdictText}: ${summary.recovered}/${summary.total} recovered, ${summary.escalated} escalated, ${summary.failed} failed; ${summary.injected} injected, ${summary.unexpected} unexpected`,
      value: summary.unexpected,
      unit: 'count',
      expected:
        'every scenario recovers within its timeout, except failures injected on purpose (--fail-rate)',
    },
    {
      name: 'chaos steady state',
      ok: summary.steadyFailures === 0 && steady.length > 0,
      actual: `${steady.length - summary.steadyFailures}/${steady.length} steady-state checks held`,
      value: summary.steadyFailures,
      unit: 'count',
      expected: 'steady state holds before the first wave, between waves and after the last',
    },
  ];
}
