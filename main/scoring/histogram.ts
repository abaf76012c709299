/**
 * Latency recording over HdrHistogram (hdr-histogram-js, pure-JS build: the WASM build needs an
 * async init and buys nothing at our rates). Values are integer microseconds.
 *
 * Two histograms are kept side by side: the raw one, and one corrected for coordinated omission
 * (Gil Tene): when a fixed-rate load generator stalls on one slow response, the requests it should
 * have sent meanwhile were never measured. `recordCorrected(us, intervalUs)` back-fills them
 * (us - interval, us - 2*interval, ... while > interval), so a stall shows in the percentiles
 * instead of hiding behind one sample. Reports show both, so a reader can see how much of the tail
 * was omission.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import { LabError } from '../util/errors';
import { BATCH_VALUES, foldInto } from './histogram-batch';
import type { ResultsMetric } from './results';

/** One hour in microseconds: the longest latency a probe can plausibly observe; autoResize covers more. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;
/** 3 significant digits: 0.1% value resolution, the HdrHistogram default and enough for p99.9. */
const SIGNIFICANT_DIGITS = 3;

export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  unit: 'us';
}

export interface LatencyRecorderSummary {
  uncorrected: LatencySummary;
  corrected: LatencySummary;
}

export interface EncodedLatency {
  /** HdrHistogram V2 compressed, base64 (readable by every HdrHistogram port). */
  uncorrected: string;
  corrected: string;
}

function newHistogram(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

function toMicros(us: number, what: string): number {
  if (!Number.isFinite(us) || us < 0)
    throw new RangeError(`${what} must be a finite, non-negative number of microseconds, got ${us}`);
  return Math.round(us);
}

/**
 * Summary of one histogram. An empty histogram summarises to count 0 with every value 0; check
 * `count` before reading the rest. Values carry the histogram's 3-digit precision, except max and
 * a non-zero min of a live (not decoded) histogram, which are exact.
 */
export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, unit: 'us' };
  const min = h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue;
  const max = h.maxValue;
  // A bucket's highest equivalent value can lie above the exact max: clamp so p99.9 <= max holds.
  const at = (p: number): number => Math.min(max, Math.max(min, h.getValueAtPercentile(p)));
  return {
    count,
    min,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max,
    mean: h.mean,
    unit: 'us',
  };
}

export class LatencyRecorder {
  private readonly raw: Histogram;
  /**
   * Only the values coordinated-omission correction back-fills. The corrected view is raw plus
   * these, built when asked: recording each value once keeps `record()` at the bare histogram's
   * speed (recording into two histograms halved it, measured by bench/histogram.ts).
   */
  private readonly extras: Histogram;
  /** A corrected histogram decoded or merged as a whole, when there is one. */
  private correctedWhole: Histogram | null;
  /**
   * Raw values not yet in the histograms: record() only stores here, and a full batch (or any read)
   * folds them in with integer bucket arithmetic, which beats the library's own recordValue()
   * (see histogram-batch.ts; measured by bench/histogram.ts).
   */
  private readonly pending = new Float64Array(BATCH_VALUES);
  private pendingCount = 0;

  constructor(
    raw: Histogram = newHistogram(),
    extras: Histogram = newHistogram(),
    correctedWhole: Histogram | null = null,
  ) {
    this.raw = raw;
    this.extras = extras;
    this.correctedWhole = correctedWhole;
  }

  /** A measurement with no fixed send rate behind it: it counts the same in both views. */
  record(us: number): void {
    // One comparison pair rejects NaN, Infinity and negatives: this is the hot path.
    if (!(us >= 0 && us <= Number.MAX_SAFE_INTEGER)) toMicros(us, 'latency');
    this.pending[this.pendingCount++] = Math.round(us);
    if (this.pendingCount === BATCH_VALUES) this.fold();
  }

  /** Moves the pending values into the histograms; every read calls it first. */
  private fold(): void {
    if (this.pendingCount === 0) return;
    const n = this.pendingCount;
    this.pendingCount = 0;
    foldInto(this.pending, n, this.correctedWhole ? [this.raw, this.correctedWhole] : [this.raw]);
  }

  /** A measurement from a fixed-rate sender that meant to send one request every `expectedIntervalUs`. */
  recordCorrected(us: number, expectedIntervalUs: number): void {
    const v = toMicros(us, 'latency');
    const interval = toMicros(expectedIntervalUs, 'expected interval');
    if (interval === 0) throw new RangeError('expected interval must be at least 1 us');
    this.raw.recordValue(v);
    if (this.correctedWhole) {
      this.correctedWhole.recordValueWithExpectedInterval(v, interval);
      return;
    }
    // HdrHistogram's back-fill: the requests that a stall kept from being sent at all.
    for (let missing = v - interval; missing >= interval; missing -= interval)
      this.extras.recordValue(missing);
  }

  get count(): number {
    return this.raw.totalCount + this.pendingCount;
  }

  /** The corrected view: the whole one if decoded or merged, else raw plus the back-filled values. */
  private correctedView(): Histogram {
    this.fold();
    if (this.correctedWhole) return this.correctedWhole;
    const h = newHistogram();
    h.add(this.raw);
    h.add(this.extras);
    return h;
  }

  summary(): LatencyRecorderSummary {
    this.fold();
    const corrected = this.correctedView();
    const out = { uncorrected: summarize(this.raw), corrected: summarize(corrected) };
    if (corrected !== this.correctedWhole) corrected.destroy();
    return out;
  }

  /** Adds another recorder's counts into this one (e.g. per-target recorders into a probe total). */
  merge(other: LatencyRecorder): void {
    this.fold();
    other.fold();
    const mine = this.correctedView();
    const theirs = other.correctedView();
    mine.add(theirs);
    if (theirs !== other.correctedWhole) theirs.destroy();
    this.raw.add(other.raw);
    this.correctedWhole = mine;
  }

  encode(): EncodedLatency {
    this.fold();
    const corrected = this.correctedView();
    const out = {
      uncorrected: encodeIntoCompressedBase64(this.raw),
      corrected: encodeIntoCompressedBase64(corrected),
    };
    if (corrected !== this.correctedWhole) corrected.destroy();
    return out;
  }

  static decode(encoded: EncodedLatency): LatencyRecorder {
    return new LatencyRecorder(
      decodeHistogram(encoded.uncorrected),
      newHistogram(),
      decodeHistogram(encoded.corrected),
    );
  }

  /** Frees the histograms' buffers; the recorder must not be used afterwards. */
  destroy(): void {
    this.raw.destroy();
    this.extras.destroy();
    this.correctedWhole?.destroy();
  }
}

function decodeHistogram(base64: string): Histogram {
  try {
    const h = decodeFromCompressedBase64(base64, 64, false);
    h.autoResize = true;
    return h;
  } catch (err) {
    throw new LabError(
      'RESULTS_INVALID',
      `Histogram is not a valid compressed HdrHistogram: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * One view of a recorder as a results-document metric, the histogram included so runs can be
 * merged later. An empty view exports only its unit and count 0: zeros would read as measurements.
 */
export function toResultsMetric(summary: LatencySummary, histogram?: string): ResultsMetric {
  if (summary.count === 0) return { unit: summary.unit, count: 0 };
  const { unit, count, min, p50, p95, p99, p999, max, mean } = summary;
  return { unit, count, min, p50, p95, p99, p999, max, mean, ...(histogram ? { histogram } : {}) };
}
