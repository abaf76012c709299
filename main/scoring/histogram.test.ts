import { describe, expect, it } from 'vitest';
import { LatencyRecorder, toResultsMetric } from './histogram';
import { metricSchema } from './results';
import { LabError } from '../util/errors';

/** Microseconds spent by real work: sorting a fresh random array of the given size. */
function timedWorkUs(size: number): number {
  const arr = Array.from({ length: size }, () => Math.random());
  const t0 = process.hrtime.bigint();
  arr.sort((a, b) => a - b);
  return Number((process.hrtime.bigint() - t0) / 1000n);
}

describe('LatencyRecorder', () => {
  it('summarises real timed work with ordered percentiles and the exact count', () => {
    const rec = new LatencyRecorder();
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const us = timedWorkUs(200 + (i % 7) * 300);
      samples.push(us);
      rec.record(us);
    }
    const s = rec.summary().uncorrected;
    expect(s.count).toBe(300);
    expect(s.unit).toBe('us');
    expect(s.min).toBe(Math.min(...samples));
    expect(s.max).toBe(Math.max(...samples));
    expect(s.p50).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.p999);
    expect(s.p999).toBeLessThanOrEqual(s.max);
    const exactMean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(Math.abs(s.mean - exactMean)).toBeLessThanOrEqual(Math.max(1, exactMean * 0.002));
    // Without a send interval the corrected view is the raw one.
    expect(rec.summary().corrected).toEqual(s);
  });

  it('corrects for coordinated omission: one 1 s stall at a 10 ms fixed rate dominates the corrected p99', () => {
    const rec = new LatencyRecorder();
    const intervalUs = 10_000;
    for (let i = 0; i < 1000; i++) rec.recordCorrected(1_000 + (i % 10) * 10, intervalUs);
    rec.recordCorrected(1_000_000, intervalUs);
    const { uncorrected, corrected } = rec.summary();
    expect(uncorrected.count).toBe(1001);
    expect(uncorrected.p99).toBeLessThan(1_200);
    // The stall hid ~99 requests that would each have waited 10 ms..990 ms.
    expect(corrected.count).toBe(1001 + 99);
    expect(corrected.p99).toBeGreaterThan(800_000);
    expect(corrected.p99 / uncorrected.p99).toBeGreaterThan(500);
    expect(corrected.max).toBe(uncorrected.max);
  });

  it('round-trips through the compressed base64 encoding and merges', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    for (let i = 1; i <= 500; i++) a.recordCorrected(i * 37, 5_000);
    for (let i = 1; i <= 200; i++) b.record(i * 1_013);
    const decoded = LatencyRecorder.decode(a.encode());
    const sa = a.summary();
    const sd = decoded.summary();
    expect(sd.uncorrected.count).toBe(sa.uncorrected.count);
    expect(sd.corrected.count).toBe(sa.corrected.count);
    expect(sd.uncorrected.p99).toBe(sa.uncorrected.p99);
    expect(sd.corrected.p50).toBe(sa.corrected.p50);
    decoded.merge(LatencyRecorder.decode(b.encode()));
    expect(decoded.summary().uncorrected.count).toBe(700);
    expect(decoded.summary().uncorrected.max).toBeGreaterThanOrEqual(200 * 1_013);
  });

  it('reports an empty recorder as count 0 and rejects negative or non-finite values', () => {
    const rec = new LatencyRecorder();
    expect(rec.summary().uncorrected.count).toBe(0);
    expect(() => rec.record(-1)).toThrow(RangeError);
    expect(() => rec.record(Number.NaN)).toThrow(RangeError);
    expect(() => rec.recordCorrected(5, 0)).toThrow(RangeError);
    rec.record(0);
    expect(rec.summary().uncorrected.min).toBe(0);
  });

  it('gives a coded error for a corrupt encoding', () => {
    expect(() => LatencyRecorder.decode({ uncorrected: 'not-a-histogram', corrected: 'x' })).toThrow(
      LabError,
    );
  });

  it('exports a view as a results metric that the results schema accepts and that decodes back', () => {
    const rec = new LatencyRecorder();
    for (let i = 1; i <= 100; i++) rec.recordCorrected(i * 10, 200);
    const metric = toResultsMetric(rec.summary().corrected, rec.encode().corrected);
    expect(metricSchema.safeParse(metric).success).toBe(true);
    expect(metric.count).toBe(rec.summary().corrected.count);
    const back = LatencyRecorder.decode({
      uncorrected: rec.encode().uncorrected,
      corrected: metric.histogram!,
    });
    expect(back.summary().corrected.p99).toBe(metric.p99);
    expect(toResultsMetric(new LatencyRecorder().summary().uncorrected)).toEqual({ unit: 'us', count: 0 });
  });
});
