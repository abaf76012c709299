/**
 * Batched recording into an hdr-histogram-js histogram. hdr-histogram-js finds a value's bucket with
 * Math.log2, Math.floor and Math.pow on every recordValue() call, and updates min, max and the total
 * count each time; that is most of its cost. Here values are stored raw in a preallocated array and
 * folded in a batch: the bucket index comes from integer bit arithmetic (Math.clz32, as the Java
 * original does with numberOfLeadingZeros), and min, max and count are updated once per batch.
 * The counts are the library's own: only where a value lands is computed differently, and
 * histogram-batch.test.ts checks that it lands on the library's own index for every bucket edge.
 */
import type { Histogram } from 'hdr-histogram-js';

/**
 * Values held before a fold: 4096 doubles (32 KiB) stay in the L1/L2 cache and make the per-batch
 * work (min/max/count updates, a method call) negligible per value; larger batches measured no faster.
 */
export const BATCH_VALUES = 4096;

/** The fields of the JS histogram the fold reads: all public in hdr-histogram-js's typings. */
interface JsHistogramLike {
  unitMagnitude: number;
  subBucketHalfCountMagnitude: number;
  subBucketHalfCount: number;
  subBucketMask: number;
  countsArrayLength: number;
  countsArrayIndex(value: number): number;
  addToCountAtIndex(index: number, value: number): void;
  updateMinAndMax(value: number): void;
  addToTotalCount(value: number): void;
  recordValue(value: number): void;
}

/** Values below this take the integer path (Math.clz32 and shifts work on 32 bits). */
const INT_PATH_LIMIT = 0x80000000;

/**
 * The counts-array index of a non-negative integer value, as the library's countsArrayIndex()
 * computes it (same buckets), but with integer arithmetic below 2^31.
 */
export function countsIndex(h: JsHistogramLike, v: number): number {
  if (v >= INT_PATH_LIMIT) return h.countsArrayIndex(v);
  const shift = h.unitMagnitude + h.subBucketHalfCountMagnitude;
  const bucket = 31 - Math.clz32(v | h.subBucketMask) - shift;
  const sub = v >>> (bucket + h.unitMagnitude);
  return ((bucket + 1) << h.subBucketHalfCountMagnitude) + sub - h.subBucketHalfCount;
}

/** Adds `values[0..n)` (non-negative integers) to each histogram, exactly as recordValue() would. */
export function foldInto(values: Float64Array, n: number, targets: Histogram[]): void {
  for (const target of targets) {
    const h = target as unknown as JsHistogramLike;
    let min = Infinity;
    let max = 0;
    let counted = 0;
    const shift = h.unitMagnitude + h.subBucketHalfCountMagnitude;
    const unit = h.unitMagnitude;
    const halfMag = h.subBucketHalfCountMagnitude;
    const half = h.subBucketHalfCount;
    const mask = h.subBucketMask;
    const length = h.countsArrayLength;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      let index: number;
      if (v < INT_PATH_LIMIT) {
        const bucket = 31 - Math.clz32(v | mask) - shift;
        index = ((bucket + 1) << halfMag) + (v >>> (bucket + unit)) - half;
      } else index = h.countsArrayIndex(v);
      if (index >= length) {
        // Beyond the current range: the library resizes and counts it itself.
        h.recordValue(v);
        continue;
      }
      h.addToCountAtIndex(index, 1);
      counted++;
      if (v > max) max = v;
      if (v !== 0 && v < min) min = v;
    }
    if (counted === 0) continue;
    h.updateMinAndMax(max);
    if (min !== Infinity) h.updateMinAndMax(min);
    h.addToTotalCount(counted);
  }
}
