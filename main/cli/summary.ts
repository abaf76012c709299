/**
 * The k6-style end of a run: one metric table (count, p50/p95/p99, max, with units) and a ✓/✗ per
 * threshold with its measured value. The same metrics feed --summary-export and --json.
 */
import type { ThresholdResult, Verdict } from '../model/evidence';
import type { RunConclusion } from '../run/output';
import { percentiles } from '../scoring/stats';
import { escapeForDisplay as esc, palette, truncateLine, type Palette } from './term';

export interface Metric {
  /** snake_case, as k6 names its metrics (pulse_latency, target_rtt, ...). */
  name: string;
  /** What a person reads. */
  label: string;
  unit: 'ms' | '%' | 'score';
  count: number;
  min: number | null;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface RunSummaryData {
  verdict: Verdict;
  haltReason: string | null;
  durationMs: number;
  metrics: Metric[];
  thresholds: ThresholdResult[];
  /** What the run measured as a whole: probe TES for probes, recovery for chaos runs. */
  headline: string;
}

const round = (v: number) => Math.round(v * 100) / 100;

function metric(name: string, label: string, unit: Metric['unit'], xs: number[]): Metric {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length)
    return { name, label, unit, count: 0, min: null, avg: null, p50: null, p95: null, p99: null, max: null };
  const p = percentiles(v, [50, 95, 99]);
  return {
    name,
    label,
    unit,
    count: v.length,
    min: round(Math.min(...v)),
    avg: round(v.reduce((s, x) => s + x, 0) / v.length),
    p50: round(p[50]!),
    p95: round(p[95]!),
    p99: round(p[99]!),
    max: round(Math.max(...v)),
  };
}

interface ChaosExtra {
  verdict?: string;
  summary?: { total: number; recovered: number; escalated: number; failed: number; injected: number };
  scenarios?: { recoveryMs: number | null; outageMs: number | null }[];
}

export function summarize(end: RunConclusion): RunSummaryData {
  const r = end.recorded;
  const all = end.pulses;
  const pulses = all.filter((p) => p.latencyClass !== 'skipped');
  const metrics = [
    metric(
      'pulse_latency',
      'pulse latency',
      'ms',
      pulses.map((p) => p.latencyMs),
    ),
    metric(
      'target_rtt',
      'target round trip',
      'ms',
      all.flatMap((p) => p.targets.map((t) => t.rttMs).filter((x): x is number => x !== null)),
    ),
    metric(
      'tes',
      'TES per target',
      'score',
      r.tes.filter((t) => t.subject !== 'probe').map((t) => t.score),
    ),
    metric(
      'host_cpu',
      'host CPU',
      '%',
      r.samples.map((s) => s.host.cpuPct),
    ),
    metric(
      'host_ram',
      'host RAM',
      '%',
      r.samples.map((s) => s.host.ramPct),
    ),
    metric('coverage', 'snapshot coverage', '%', r.coverage ? [r.coverage.pct] : []),
  ];
  const chaos = end.extra.chaos as ChaosExtra | undefined;
  let headline = end.probeTes
    ? `probe TES ${end.probeTes.score} (${end.probeTes.drift})`
    : 'probe TES: none (no task target ended to score)';
  if (chaos) {
    const sc = chaos.scenarios ?? [];
    metrics.push(
      metric(
        'chaos_recovery',
        'chaos recovery',
        'ms',
        sc.map((s) => s.recoveryMs).filter((x): x is number => x !== null),
      ),
      metric(
        'chaos_outage',
        'chaos outage',
        'ms',
        sc.map((s) => s.outageMs).filter((x): x is number => x !== null),
      ),
    );
    const s = chaos.summary;
    const rec = metrics.find((m) => m.name === 'chaos_recovery')!;
    // A chaos run is measured by its recoveries, not by a probe TES it never computes.
    headline = s
      ? `chaos ${chaos.verdict ?? ''}: ${s.recovered}/${s.total} scenarios recovered, ${s.escalated} escalated, ${s.failed} failed (${s.injected} injected)${rec.p95 !== null ? `; recovery p95 ${fmt(rec.p95, 'ms')}` : ''}`
      : 'chaos: no scenario ran';
  }
  return {
    verdict: end.verdict,
    haltReason: end.haltReason,
    durationMs: end.endedAt - end.probeStartedAt,
    metrics,
    thresholds: end.thresholds,
    headline,
  };
}

/** A number with its unit: 1234 ms as "1.23 s", 12.3 % as "12.3%". */
export function fmt(v: number | null | undefined, unit: string | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  switch (unit) {
    case 'ms':
      return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v >= 100 ? Math.round(v) : round(v)} ms`;
    case '%':
      return `${round(v)}%`;
    case 'count':
      return String(v);
    default:
      return String(round(v));
  }
}

/** The table and the thresholds, as lines no wider than `width` (when given). */
export function renderSummary(s: RunSummaryData, opts: { colour: boolean; width?: number }): string[] {
  const c: Palette = palette(opts.colour);
  const lines: string[] = ['', c.bold('  METRICS'), ''];
  const labelW = Math.max(...s.metrics.map((m) => m.label.length)) + 2;
  const cols = ['count', 'p50', 'p95', 'p99', 'max'];
  lines.push(`    ${''.padEnd(labelW)}${cols.map((h) => h.padStart(10)).join('')}`);
  // As k6 does, a metric with no data (no task target to score, no chaos) is left out of the table.
  for (const m of s.metrics.filter((x) => x.count > 0)) {
    const cells = [
      String(m.count),
      fmt(m.p50, m.unit),
      fmt(m.p95, m.unit),
      fmt(m.p99, m.unit),
      fmt(m.max, m.unit),
    ];
    lines.push(`    ${`${m.label} `.padEnd(labelW, '.')}${cells.map((x) => x.padStart(10)).join('')}`);
  }
  lines.push('', c.bold('  THRESHOLDS'), '');
  const nameW = Math.max(0, ...s.thresholds.map((t) => esc(t.name).length)) + 2;
  for (const t of s.thresholds) {
    const mark = t.ok ? c.green('✓') : c.red('✗');
    const value = fmt(t.value, t.unit).padStart(9);
    lines.push(
      `    ${mark} ${`${esc(t.name)} `.padEnd(nameW, '.')} ${t.ok ? value : c.red(value)}  ${esc(t.actual)} (expected ${esc(t.expected)})`,
    );
  }
  const verdict =
    s.verdict === 'PASS'
      ? c.green(s.verdict)
      : s.verdict === 'HALTED'
        ? c.yellow(s.verdict)
        : c.red(s.verdict);
  lines.push('', `verdict: ${verdict}${s.haltReason ? ` (${esc(s.haltReason)})` : ''}; ${esc(s.headline)}`);
  return opts.width ? lines.map((l) => truncateLine(l, opts.width! - 1)) : lines;
}
