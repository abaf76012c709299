/**
 * Results v1 for every probe: built from what the signed report already holds (pulses, TES,
 * coverage) plus the resource samples, so `probe-lab check` can gate any run and
 * `probe-lab compare` can test two runs of a seed probe without the run loop knowing about it.
 *
 * Latencies go through HdrHistogram (microseconds, the histogram travels with the metric so runs
 * can be merged); percentages, TES and sizes are exact percentiles of their samples. Raw samples
 * are exported too: they are what compare's Mann-Whitney U test ranks.
 */
import type { Coverage, Pulse, ResourceSample, TesScore, Verdict } from '../model/evidence';
import { LatencyRecorder, toResultsMetric } from './histogram';
import { RESULTS_SCHEMA_ID, type ResultsDoc, type ResultsMetric } from './results';
import { percentiles } from './stats';

/** The parts of the report document (reports/document.ts) the results are built from. */
export interface ProbeReportView {
  runId: string;
  plan: { id: string; kind: string };
  startedAt: number;
  endedAt: number;
  verdict: Verdict;
  pulses: { list: readonly Pulse[]; byClass: Record<string, number> };
  snapshots: { count: number; coverage: Coverage | null };
  tes: { probe: TesScore | null; runs: readonly TesScore[] };
  anomalies: readonly unknown[];
}

const US_PER_MS = 1000;
/** Health checks round their round trip to 0.01 ms (lab/health-checks.ts, lab/agent-target.ts). */
const RTT_RESOLUTION_US = 10;

function latencyMetric(ms: readonly number[]): ResultsMetric {
  const rec = new LatencyRecorder();
  try {
    // A pulse that started early has a negative lag; the histogram holds magnitudes from 0.
    for (const v of ms) if (Number.isFinite(v)) rec.record(Math.max(0, v) * US_PER_MS);
    return toResultsMetric(rec.summary().uncorrected, ms.length > 0 ? rec.encode().uncorrected : undefined);
  } finally {
    rec.destroy();
  }
}

/** Exact percentiles of a sampled quantity (%, kB, score); an empty one exports only its count. */
function sampledMetric(all: readonly number[], unit: string): ResultsMetric {
  const xs = all.filter(Number.isFinite);
  if (xs.length === 0) return { unit, count: 0 };
  const p = percentiles(xs, [0, 50, 95, 99, 99.9, 100]);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    unit,
    count: xs.length,
    min: round(p[0]!),
    p50: round(p[50]!),
    p95: round(p[95]!),
    p99: round(p[99]!),
    p999: round(p[99.9]!),
    max: round(p[100]!),
    mean: round(xs.reduce((s, x) => s + x, 0) / xs.length),
  };
}

function add(
  doc: Pick<ResultsDoc, 'metrics' | 'samples'>,
  name: string,
  metric: ResultsMetric,
  samples?: readonly number[],
): void {
  doc.metrics[name] = metric;
  if (samples && samples.length > 0) doc.samples![name] = [...samples];
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** A results v1 document for any probe run. */
export function probeResultsDocument(
  report: ProbeReportView,
  samples: readonly ResourceSample[],
): ResultsDoc {
  const measured = report.pulses.list.filter((p) => p.latencyClass !== 'skipped');
  const out: ResultsDoc = {
    schema: RESULTS_SCHEMA_ID,
    runId: report.runId,
    planId: report.plan.id,
    kind: /^[a-z][a-z0-9-]*$/.test(report.plan.kind) ? report.plan.kind : 'probe',
    startedAt: new Date(report.startedAt).toISOString(),
    endedAt: new Date(report.endedAt).toISOString(),
    verdict: report.verdict,
    metrics: {},
    counters: {},
    samples: {},
  };
  const us = (ms: number) => Math.round(ms * US_PER_MS);
  // Each latency says the clock it was read with: a pulse's stamps are Date.now() (whole ms), file
  // I/O is a rounded performance.now() (whole ms), a target's answer is rounded to 0.01 ms. The stub
  // audit judges a repeat in those steps, so a repeated 3 ms is not taken for a repeated 3001 us.
  add(
    out,
    'pulse_latency',
    { ...latencyMetric(measured.map((p) => p.latencyMs)), resolution: US_PER_MS },
    measured.map((p) => us(p.latencyMs)),
  );
  add(out, 'pulse_start_lag', {
    ...latencyMetric(measured.map((p) => p.startLagMs)),
    resolution: US_PER_MS,
  });
  // Seed 000 section 5, file I/O delays: each pulse's slowest timed file-system operation.
  const fileIo = measured.flatMap((p) => (p.fileIo ? [p.fileIo.maxMs] : []));
  add(out, 'file_io', { ...latencyMetric(fileIo), resolution: US_PER_MS }, fileIo.map(us));

  const rtts = measured.flatMap((p) =>
    p.targets.filter((t) => t.rttMs !== null).map((t) => ({ id: t.targetId, ms: t.rttMs! })),
  );
  add(
    out,
    'target_rtt',
    { ...latencyMetric(rtts.map((r) => r.ms)), resolution: RTT_RESOLUTION_US },
    rtts.map((r) => us(r.ms)),
  );
  for (const [id, list] of group(rtts, (r) => r.id))
    add(
      out,
      `target_rtt.${id}`,
      { ...latencyMetric(list.map((r) => r.ms)), resolution: RTT_RESOLUTION_US },
      list.map((r) => us(r.ms)),
    );

  const tes = report.tes.runs.map((t) => t.score);
  add(out, 'tes', sampledMetric(tes, 'score'), tes);
  if (report.tes.probe) out.metrics.tes_probe = { unit: 'score', value: report.tes.probe.score };
  // Not '%': full coverage is the goal of a healthy run, not a value pinned at a bound.
  if (report.snapshots.coverage)
    out.metrics.coverage = { unit: '% of slots', value: report.snapshots.coverage.pct };

  const hostCpu = samples.map((s) => s.host.cpuPct);
  const hostRam = samples.map((s) => s.host.ramPct);
  add(out, 'host_cpu', sampledMetric(hostCpu, '%'), hostCpu);
  add(out, 'host_ram', sampledMetric(hostRam, '%'), hostRam);
  const perTarget = group(
    samples.flatMap((s) => s.targets),
    (t) => t.targetId,
  );
  for (const [id, list] of perTarget) {
    const cpu = list.map((t) => t.cpuPct);
    const rss = list.map((t) => t.rssKb);
    add(out, `target_cpu.${id}`, sampledMetric(cpu, '%'), cpu);
    add(out, `target_rss.${id}`, sampledMetric(rss, 'kB'), rss);
  }

  // Outcomes only: how many pulses and snapshots were taken is the plan's schedule, already in the
  // metrics' counts.
  for (const [cls, n] of Object.entries(report.pulses.byClass))
    if (cls !== 'ok') out.counters[`pulses_${cls}`] = n;
  out.counters.anomalies = report.anomalies.length;
  return out;
}
