/**
 * Soak: the engine's memory over a time-compressed 24-hour run.
 *
 * Method: a real ProbeRun (real workload agents on ptys, the real sampler, recorder, ledger and
 * signed report) over a plan whose cadences are divided by COMPRESSION, so 24 h of records are
 * produced in minutes: a snapshot every 1 s, a resource sample every 1 s and a burst of 3 pulses
 * every 60 s of simulated time (86,400 snapshots, 86,400 samples, ~4,320 pulses; the 3 pulses of
 * a burst stay 40 ms apart in real time, as a pulse's round trip cannot be compressed). Sub-second
 * cadences are below what the plan schema allows: this bench writes them into the already
 * validated plan object (the product's plan validation is unchanged; only the bench does this).
 * The schedules then fire back to back wherever the CPU cannot keep up, so the run's simulated
 * time is counted from its records (samples recorded / 3,600, and the snapshots' slots), never
 * from the wall clock; where sampling lags, pulses (on the wall clock) come denser than 3 a
 * simulated minute, which only adds to what is held. The run is halted once 24 h of samples and
 * snapshot slots exist, and its report is written.
 * Every SAMPLE_EVERY_MS of wall time, after a forced full GC (so the series is what is live, not
 * when V8 last collected), this process's memory (process.memoryUsage: RSS and V8 heap used; the
 * engine is this process) is sampled against the simulated hour. Flat after warm-up =
 * the least-squares slope over the second half of the run (MB per simulated hour); the maximum is
 * the peak. The chart is written to bench/results/soak-memory.svg and drawn as a sparkline below.
 * Baseline in the same run: the same process's memory just before the run started (Node, the
 * engine's modules, nothing recorded). BENCH_QUICK simulates 2 h.
 * The console is not attached here; its JS heap is measured by bench/console.ts over its stream.
 * Measured 2026-12-01 (8 agents, loaded 2-core host), two runs: 24 h in 243 s wall; RSS max 199
 * and 222 MB (at the report), second-half slopes RSS 0.45 and 0.22, heap 0.10 and 0.05 MB per
 * simulated hour; baseline RSS 120 and 114 MB, heap 21 and 20 MB. Before the same day's change: RSS max 335 MB, slopes RSS 4.12 and heap
 * 2.01 MB/h. RSS had grown with V8's old space (committed +3.9 MB/h for +2.0 MB/h live; external
 * memory, array buffers and file-backed RSS flat): long-lived small objects, 86,400 thin snapshots
 * (~330 B each) and every pulse whole (~4.3 KB each), scattered among the run's garbage. The
 * recorder now holds the live window of snapshots plus the reviewed ones, and the pulses as
 * deflated JSON outside the heap (main/run/pulse-store.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { agent, makePlan, newRun } from '../test/integration/helpers';
import { projectRoot } from '../main/util/paths';
import { MB, QUICK, fmt, ratio, runBench, sleep, tempDir, type BenchResult } from './lib';
import { slope, sparkline, svgChart, type MemPoint } from './soak-chart';

const ID = 'soak';
const FIGURE = 'Soak (24 h, time-compressed)';
/** Issue 16: engine RSS under 300 MB, flat after warm-up. */
const RSS_TARGET_MB = 300;
/**
 * "Flat": the second half grows less than this per simulated hour (under 24 MB over a whole day,
 * a tenth of the RSS target's headroom above a bare engine).
 */
const FLAT_MB_PER_H = 1;
const TARGET = `engine RSS < ${RSS_TARGET_MB} MB, second-half slope < ${FLAT_MB_PER_H} MB per simulated h (RSS and heap)`;
const SIM_HOURS = Number(process.env.BENCH_SOAK_HOURS ?? (QUICK ? 2 : 24));
/** Simulated seconds per wall second: 24 h in 4 min at best; records still lag where CPU is short. */
const COMPRESSION = 360;
/** Real spacing of the pulses of one burst (see the plan below). */
const PULSE_SPACING_SEC = 0.04;
const AGENTS = QUICK ? 4 : 8;
const SAMPLE_EVERY_MS = QUICK ? 500 : 2000;
/** The run is stopped (and the bench fails) if 24 h of records take longer than this. */
const WALL_BUDGET_SEC = QUICK ? 120 : 600;
const HERE = path.join(projectRoot(), 'bench');

runBench(ID, FIGURE, TARGET, async (): Promise<BenchResult> => {
  const out = tempDir('soak');
  const simSec = SIM_HOURS * 3600;
  const plan = makePlan({
    id: 'bench-soak',
    targets: [
      agent('idle', ['--run-sec', String(WALL_BUDGET_SEC + 120), '--heartbeat-ms', '1000'], {
        count: AGENTS,
        health: { type: 'ping' },
      }),
    ],
    run: { maxDurationSec: WALL_BUDGET_SEC + 60 },
    pulses: { cadenceSec: 60, burst: { count: 3, spacingSec: 1 }, after: 1, timeoutSec: 5 },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 1000 },
  });
  // Bench only: compress time in the validated plan (the schema's minimums are 1 s and 100 ms).
  plan.snapshots.cadenceSec = 1 / COMPRESSION;
  plan.sampling.intervalMs = 1000 / COMPRESSION;
  plan.pulses.cadenceSec = 60 / COMPRESSION;
  // A pulse's own round trip (ping over the pty, file I/O with fdatasync) is not compressible:
  // the spacing inside a burst stays long enough for one to finish before the next (a compressed
  // 1 s would be 3 ms and skip every second pulse), and the burst still fits well inside a cadence.
  plan.pulses.burst.spacingSec = PULSE_SPACING_SEC;

  const base = process.memoryUsage();
  const points: MemPoint[] = [];
  const run = newRun(plan, out);
  // Counted from the one stream every output receives (the recorder's arrays may be bounded).
  const seen = { sample: 0, snapshot: 0, pulse: 0, slot: 0 };
  run.onDidRecord((e) => {
    if (e.type === 'sample') seen.sample++;
    else if (e.type === 'pulse') seen.pulse++;
    else if (e.type === 'snapshot') {
      seen.snapshot++;
      seen.slot = Math.max(seen.slot, e.snapshot.slot);
    }
  });
  // Simulated time: the later of the two 1 s schedules' progress (burst snapshots are extra).
  const simNow = () => Math.min(seen.sample, seen.slot) / 3600;
  const t0 = performance.now();
  const done = run.run();
  let shownH = 0;
  const take = () => {
    gc();
    const m = process.memoryUsage();
    const p: MemPoint = {
      wallSec: (performance.now() - t0) / 1000,
      simH: simNow(),
      rssMB: m.rss / MB,
      heapMB: m.heapUsed / MB,
      heapTotalMB: m.heapTotal / MB,
      externalMB: m.external / MB,
    };
    points.push(p);
    if (Math.floor(p.simH) > shownH) {
      shownH = Math.floor(p.simH);
      console.log(
        `soak: ${shownH} h simulated at ${fmt(p.wallSec, 0)} s wall: RSS ${fmt(p.rssMB, 0)} MB, heap ${fmt(p.heapMB, 0)} MB`,
      );
    }
  };
  const timer = setInterval(take, SAMPLE_EVERY_MS);
  let halted = false;
  let runPoints = Infinity;
  while (run.status === 'running') {
    const reachedNow = simNow() * 3600 >= simSec;
    if (reachedNow || (performance.now() - t0) / 1000 > WALL_BUDGET_SEC) {
      take();
      runPoints = points.length;
      halted = reachedNow;
      if (process.env.BENCH_SOAK_DEBUG) debugSizes(run);
      await run.halt(reachedNow ? `soak: ${SIM_HOURS} h recorded` : 'soak: wall budget over');
      break;
    }
    await sleep(200);
  }
  const result = await done;
  const wallSec = (performance.now() - t0) / 1000;
  take();
  clearInterval(timer);

  const ledger = path.join(run.runDir, 'ledger.jsonl');
  const counts = countLedger(ledger);
  const reportBytes = fs.statSync(result.report.json).size;
  fs.rmSync(out, { recursive: true, force: true });

  // The slope is the run's: points after the halt (targets stopping, the report) count in the max.
  const during = points.slice(0, runPoints);
  const warm = during.filter((p) => p.simH >= during.at(-1)!.simH / 2);
  const rssSlope = slope(warm.map((p) => [p.simH, p.rssMB]));
  const heapSlope = slope(warm.map((p) => [p.simH, p.heapMB]));
  const rssMax = Math.max(...points.map((p) => p.rssMB));
  const heapMax = Math.max(...points.map((p) => p.heapMB));
  const simReached = Math.min(counts.sample, seen.slot) / 3600;
  const resultsDir = path.join(HERE, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const svgFile = path.join(resultsDir, 'soak-memory.svg');
  fs.writeFileSync(svgFile, svgChart(points, `Probe Lab soak: ${fmt(simReached, 1)} simulated h`));

  const reached = halted && simReached * 3600 >= simSec;
  const met = reached && rssMax < RSS_TARGET_MB && rssSlope < FLAT_MB_PER_H && heapSlope < FLAT_MB_PER_H;
  return {
    id: ID,
    figure: FIGURE,
    probeLab: `RSS max ${fmt(rssMax, 0)} MB, 2nd-half slope ${fmt(rssSlope, 2)} MB/h; heap max ${fmt(heapMax, 0)} MB, slope ${fmt(heapSlope, 2)} MB/h`,
    baseline: `engine before the run: RSS ${fmt(base.rss / MB, 0)} MB, heap ${fmt(base.heapUsed / MB, 0)} MB`,
    ratio: `RSS ${ratio(rssMax, base.rss / MB)} of the idle engine`,
    target: TARGET,
    met,
    method: `Real ProbeRun, ${AGENTS} workload agents, plan cadences divided by ${COMPRESSION} (written into the validated plan by the bench only; schema unchanged): 1 s snapshots, 1 s samples, bursts of 3 pulses (40 ms apart, real) every 60 s, simulated time = samples recorded / 3600 (and snapshot slots); halted at ${SIM_HOURS} h of records; process.memoryUsage after a forced full GC every ${SAMPLE_EVERY_MS / 1000} s wall; slope = least squares over the second half. The console is not attached (its JS heap is measured by the console bench).`,
    notes: [
      `ledger: ${fmt(counts.snapshot, 0)} snapshots, ${fmt(counts.sample, 0)} samples, ${fmt(counts.pulse, 0)} pulses, ${fmt(counts.total, 0)} records (${fmt(simReached, 2)} simulated h in ${fmt(wallSec, 0)} s wall, ${fmt((simReached * 3600) / wallSec, 0)}x); report JSON ${fmt(reportBytes / 1e6, 1)} MB; verdict ${result.verdict}${reached ? '' : ' (24 h NOT reached within the wall budget)'}`,
      `RSS (MB) by simulated hour: ${sparkline(points, 'rssMB')}`,
      `heap (MB) by simulated hour: ${sparkline(points, 'heapMB')}`,
      `second-half slopes, MB per simulated h: V8 heap committed ${fmt(slope(warm.map((p) => [p.simH, p.heapTotalMB ?? 0])), 2)}, external (Buffers, native) ${fmt(slope(warm.map((p) => [p.simH, p.externalMB ?? 0])), 2)}`,
      `chart: bench/results/soak-memory.svg (${points.length} points)`,
    ],
    quick: QUICK,
  };
});

/**
 * A full collection before each memory sample, so the series is what is live, not when V8 last
 * collected (bench only: the flag is set at run time, the engine itself never calls gc).
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Records of each type in the ledger, read back from disk: the complete record of the run. */
function countLedger(file: string): { snapshot: number; sample: number; pulse: number; total: number } {
  const c = { snapshot: 0, sample: 0, pulse: 0, total: 0 };
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/"type":"(snapshot|sample|pulse)"/g)) c[m[1] as 'snapshot']++;
  c.total = text.split('\n').filter(Boolean).length;
  return c;
}

function debugSizes(run: ReturnType<typeof newRun>): void {
  const whole = run.snapshots.filter((s) => s.targets.length).length;
  const j = (x: unknown) => fmt(JSON.stringify(x).length / 1e6, 2);
  console.log(
    `debug: anomaly codes ${JSON.stringify(Object.entries(run.anomalies.reduce<Record<string, number>>((m, a) => ((m[a.code] = (m[a.code] ?? 0) + 1), m), {})))} ${run.anomalies
      .slice(0, 2)
      .map((a) => a.message)
      .join(' / ')}\n` +
      `debug: pulses ${run.pulses.length} (${j(run.pulses)} MB JSON), events ${run.events.length} (${j(run.events)} MB), anomalies ${run.anomalies.length}, snapshots ${run.snapshots.length} (${whole} whole, ${j(run.snapshots)} MB), samples ${run.samples.length} (${j(run.samples)} MB)`,
  );
  const g = global as { __soakHeap?: string };
  if (process.env.BENCH_SOAK_DEBUG === 'heap')
    g.__soakHeap = v8.writeHeapSnapshot('/tmp/soak-end.heapsnapshot');
}
