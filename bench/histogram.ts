/**
 * Histogram recording: values per second into the latency histogram.
 *
 * Method: one buffer of pseudo-random latencies (log-uniform, 1 us .. 10 s, fixed seed) is recorded
 * into Probe Lab's LatencyRecorder (`record(us)`: validation plus the raw and the
 * coordinated-omission histogram) and, as the baseline, into one bare hdr-histogram-js histogram
 * built with the same settings (`recordValue`). Each is warmed up, then timed over several passes
 * with performance.now(); the best pass counts (the least disturbed by the rest of the machine).
 * LatencyRecorder stores raw values in a preallocated batch and folds them into its histogram with
 * integer bucket arithmetic (main/scoring/histogram-batch.ts); the timed passes include the folds.
 * Target: at least 10 million values per second, and at least the bare library's rate.
 */
import { build } from 'hdr-histogram-js';
import { LatencyRecorder } from '../main/scoring/histogram';
import { QUICK, fmt, ratio, runBench, type BenchResult } from './lib';

const ID = 'histogram';
const FIGURE = 'Histogram recording';
const TARGET_PER_SEC = 10_000_000;
/** Issue 16: the recording path adds nothing over the bare library, on top of the absolute rate. */
const TARGET_RATIO = 1.0;
const TARGET = '>= 10 M values/s and >= 1.0x the bare library';
const VALUES = 1 << 20;
const PASSES = QUICK ? 3 : 10;

function values(): Float64Array {
  const out = new Float64Array(VALUES);
  let s = 0x9e3779b9;
  for (let i = 0; i < VALUES; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.round(Math.exp((s / 2 ** 32) * Math.log(10_000_000)));
  }
  return out;
}

/** Best values/s over the passes. */
function bestRate(record: (v: number) => void, xs: Float64Array): number {
  for (let i = 0; i < xs.length; i++) record(xs[i] as number); // warm-up: JIT and bucket growth
  let best = 0;
  for (let p = 0; p < PASSES; p++) {
    const t0 = performance.now();
    for (let i = 0; i < xs.length; i++) record(xs[i] as number);
    const sec = (performance.now() - t0) / 1000;
    best = Math.max(best, xs.length / sec);
  }
  return best;
}

runBench(ID, FIGURE, TARGET, async (): Promise<BenchResult> => {
  const xs = values();
  const bare = build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  // Probe Lab first: whichever runs first gets the monomorphic JIT, so the baseline is not favoured.
  const rec = new LatencyRecorder();
  const lab = bestRate((v) => rec.record(v), xs);
  const base = bestRate((v) => bare.recordValue(v), xs);
  rec.destroy();
  return {
    id: ID,
    figure: FIGURE,
    probeLab: `${fmt(lab / 1e6, 1)} M values/s`,
    baseline: `${fmt(base / 1e6, 1)} M values/s (bare hdr-histogram-js, same settings)`,
    ratio: ratio(lab, base),
    target: TARGET,
    met: lab >= TARGET_PER_SEC && lab / base >= TARGET_RATIO,
    method:
      'LatencyRecorder.record() (raw values batched, folds timed) vs one bare hdr-histogram-js recordValue() (64-bit buckets, 3 digits, pure JS), 1 Mi log-uniform values 1 us-10 s, best of ' +
      `${PASSES} timed passes after a warm-up.`,
    notes: [],
    quick: QUICK,
  };
});
