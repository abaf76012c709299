import fc from 'fast-check';
import { describe as suite, expect, it } from 'vitest';
import { describe, erfc, mannWhitneyU, percentiles } from './stats';

suite('mannWhitneyU', () => {
  it('matches the SciPy documentation example (males vs females, asymptotic, continuity corrected)', () => {
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(r.u1).toBe(17);
    expect(r.u).toBe(3);
    // scipy.stats.mannwhitneyu(..., method='asymptotic') -> 0.11134688653314041
    expect(r.p).toBeCloseTo(0.111346886, 6);
    expect(r.n1).toBe(5);
    expect(r.n2).toBe(4);
  });

  it('applies the tie correction (checked against SciPy: p = 0.006373133838085873)', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5], [3, 4, 4, 5, 5, 6, 6, 7, 8]);
    expect(r.u1).toBe(7.5);
    expect(r.p).toBeCloseTo(0.0063731338, 6);
    expect(r.effectSize).toBeLessThan(0);
  });

  it('gives p = 1 and no effect for identical samples, including all-tied ones', () => {
    const xs = [3.1, 4.7, 2.2, 9.9, 5.5, 6.0];
    const same = mannWhitneyU(xs, [...xs]);
    expect(same.p).toBeCloseTo(1, 10);
    expect(same.effectSize).toBe(0);
    const tied = mannWhitneyU(new Array(10).fill(5), new Array(10).fill(5));
    expect(tied.p).toBe(1);
    expect(tied.commonLanguage).toBe(0.5);
  });

  it('finds fully separated samples of 20 each significant with a maximal effect size', () => {
    const low = Array.from({ length: 20 }, (_, i) => i);
    const high = Array.from({ length: 20 }, (_, i) => 100 + i);
    const r = mannWhitneyU(high, low);
    expect(r.p).toBeLessThan(0.001);
    expect(r.p).toBeCloseTo(6.795615128173358e-8, 12); // SciPy, asymptotic
    expect(r.effectSize).toBe(1);
    expect(mannWhitneyU(low, high).effectSize).toBe(-1);
  });

  it('refuses empty or non-finite input', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([NaN], [1])).toThrow(RangeError);
  });
});

suite('erfc', () => {
  it('agrees with known values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 5);
  });
});

suite('describe', () => {
  it('computes mean, sample stddev, min, max and cv', () => {
    const d = describe([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(d.mean).toBe(5);
    expect(d.stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(d.min).toBe(2);
    expect(d.max).toBe(9);
    expect(d.cv).toBeCloseTo(Math.sqrt(32 / 7) / 5, 12);
  });

  it('reports zero spread for a constant sample (what seed 002 saw: 100%, 100%, 100%)', () => {
    const d = describe([100, 100, 100]);
    expect(d.stddev).toBe(0);
    expect(d.cv).toBe(0);
  });
});

suite('percentiles', () => {
  it('interpolates linearly like NumPy', () => {
    const p = percentiles([15, 20, 35, 40, 50], [0, 25, 40, 50, 100]);
    expect(p[0]).toBe(15);
    expect(p[25]).toBe(20);
    expect(p[40]).toBe(29); // numpy.percentile([15,20,35,40,50], 40) == 29.0
    expect(p[50]).toBe(35);
    expect(p[100]).toBe(50);
  });

  it('does not depend on input order', () => {
    expect(percentiles([5, 1, 4, 2, 3], [90])).toEqual(percentiles([1, 2, 3, 4, 5], [90]));
  });
});

suite('mannWhitneyU properties', () => {
  const sample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 });

  it('u1 + u2 = n1 n2, swapping the samples swaps u1/u2 and negates the effect size, p stays in [0, 1] and is unchanged', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        expect(ab.u1 + ab.u2).toBe(a.length * b.length);
        expect(ba.u1).toBe(ab.u2);
        expect(ba.effectSize).toBeCloseTo(-ab.effectSize, 12);
        expect(ab.p).toBeGreaterThanOrEqual(0);
        expect(ab.p).toBeLessThanOrEqual(1);
        expect(ba.p).toBeCloseTo(ab.p, 12);
      }),
    );
  });

  it('does not change when both samples shift by the same constant (it only sees ranks)', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: -1000, max: 1000 }), (a, b, k) => {
        const shifted = mannWhitneyU(
          a.map((x) => x + k),
          b.map((x) => x + k),
        );
        expect(shifted.p).toBeCloseTo(mannWhitneyU(a, b).p, 12);
      }),
    );
  });
});

suite('percentiles properties', () => {
  it('are monotone in p and stay within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (xs) => {
          const ps = [0, 10, 50, 90, 99, 99.9, 100];
          const got = percentiles(xs, ps);
          const values = ps.map((p) => got[p]!);
          for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
          // === rather than toBe: a sort cannot order -0 and 0, so neither does this check.
          expect(values[0] === Math.min(...xs)).toBe(true);
          expect(values[values.length - 1] === Math.max(...xs)).toBe(true);
        },
      ),
    );
  });
});
