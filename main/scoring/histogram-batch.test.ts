import { describe, expect, it } from 'vitest';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { BATCH_VALUES, countsIndex, foldInto } from './histogram-batch';
import { LatencyRecorder } from './histogram';

const settings = {
  bitBucketSize: 64,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
} as const;

type Indexed = Histogram & { countsArrayIndex(v: number): number };

/** Every power of two and its neighbours up to 2^40, plus every value of the first buckets. */
function edgeValues(): number[] {
  const xs: number[] = [];
  for (let v = 0; v < 5000; v++) xs.push(v);
  for (let k = 1; k <= 40; k++) for (const d of [-2, -1, 0, 1, 2]) xs.push(2 ** k + d);
  let s = 12345;
  for (let i = 0; i < 20000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    xs.push(Math.round(Math.exp((s / 2 ** 32) * Math.log(2 ** 40))));
  }
  return xs.filter((v) => v >= 0);
}

describe('batched histogram recording', () => {
  it('puts every value in the bucket the library itself would', () => {
    const h = build(settings) as Indexed;
    for (const v of edgeValues()) expect(countsIndex(h as never, v)).toBe(h.countsArrayIndex(v));
  });

  it('folds to the same histogram as recordValue, resizes included, across several batches', () => {
    const xs = edgeValues().concat([7_200_000_000, 0, 0, 3]);
    const bare = build(settings);
    for (const v of xs) bare.recordValue(v);
    const folded = build(settings);
    const buf = new Float64Array(BATCH_VALUES);
    for (let i = 0; i < xs.length; i += BATCH_VALUES) {
      const part = xs.slice(i, i + BATCH_VALUES);
      buf.set(part);
      foldInto(buf, part.length, [folded]);
    }
    expect(folded.totalCount).toBe(bare.totalCount);
    expect(folded.maxValue).toBe(bare.maxValue);
    expect(folded.minNonZeroValue).toBe(bare.minNonZeroValue);
    expect(encodeIntoCompressedBase64(folded)).toBe(encodeIntoCompressedBase64(bare));
  });

  it('a recorder counts values still pending and reads them in every view', () => {
    const rec = new LatencyRecorder();
    const bare = build(settings);
    const n = BATCH_VALUES + 17;
    for (let i = 0; i < n; i++) {
      rec.record(i * 3.3);
      bare.recordValue(Math.round(i * 3.3));
    }
    expect(rec.count).toBe(n);
    expect(rec.encode().uncorrected).toBe(encodeIntoCompressedBase64(bare));
    const copy = LatencyRecorder.decode(rec.encode());
    copy.record(5);
    expect(copy.summary().corrected.count).toBe(n + 1);
    expect(copy.summary().uncorrected.count).toBe(n + 1);
  });
});
