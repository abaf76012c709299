/**
 * Small, dependency-free statistics for comparing runs: a Mann-Whitney U test (two-sided, normal
 * approximation with tie and continuity correction, the same as SciPy's `method='asymptotic'`),
 * descriptive statistics and interpolated percentiles. Seed 002 claims "p < 0.001" for an on/off
 * compare without saying how; here the test, its inputs and its effect size are all reported.
 */

export interface MannWhitneyResult {
  /** U of the first sample: the number of (a, b) pairs with a > b, ties counting half. */
  u1: number;
  /** n1 * n2 - u1. */
  u2: number;
  /** min(u1, u2), the statistic textbooks tabulate. */
  u: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
  /**
   * Rank-biserial correlation r = (u1 - u2) / (n1 n2), in [-1, 1]: +1 when every value of a is
   * above every value of b, -1 when below, 0 when neither side tends higher.
   */
  effectSize: number;
  /** Common-language effect size u1 / (n1 n2): P(a > b) + P(a = b) / 2. */
  commonLanguage: number;
  n1: number;
  n2: number;
}

export interface Description {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  stddev: number;
  min: number;
  max: number;
  /** stddev / |mean|; NaN when the mean is 0. */
  cv: number;
}

/** Average ranks (1-based) of the values, ties sharing the mean of their positions. */
function rankWithTies(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.v === order[start]?.v) end++;
    const avg = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = avg;
    const t = end - start + 1;
    tieTerm += t ** 3 - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

/**
 * Complementary error function, Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7
 * everywhere), which keeps small tail probabilities accurate where 1 - erf(x) would cancel to 0.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(|Z| >= |z|) for a standard normal Z. */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

function assertFinite(xs: readonly number[], name: string): void {
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`${name} holds a non-finite value: ${x}`);
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs at least one value on each side');
  assertFinite(a, 'a');
  assertFinite(b, 'b');
  const { ranks, tieTerm } = rankWithTies([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  let z = 0;
  let p = 1;
  if (variance > 0) {
    const diff = Math.max(0, Math.abs(u1 - mu) - 0.5);
    z = (Math.sign(u1 - mu) * diff) / Math.sqrt(variance);
    p = twoSidedNormalP(z);
  }
  return {
    u1,
    u2,
    u: Math.min(u1, u2),
    z,
    p,
    effectSize: (u1 - u2) / (n1 * n2),
    commonLanguage: u1 / (n1 * n2),
    n1,
    n2,
  };
}

export function describe(xs: readonly number[]): Description {
  if (xs.length === 0) throw new RangeError('describe() needs at least one value');
  assertFinite(xs, 'xs');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const mean = sum / xs.length;
  const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
  const stddev = xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0;
  return { n: xs.length, mean, stddev, min, max, cv: mean === 0 ? NaN : stddev / Math.abs(mean) };
}

/**
 * Percentile p (0-100) by linear interpolation between closest ranks (Hyndman-Fan type 7, the
 * default of NumPy and R). `sorted` must be ascending.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const vLo = sorted[lo]!;
  return vLo + (h - lo) * (sorted[hi]! - vLo);
}

/** Several percentiles of an unsorted sample, keyed by the requested p. */
export function percentiles(xs: readonly number[], ps: readonly number[]): Record<number, number> {
  assertFinite(xs, 'xs');
  const sorted = [...xs].sort((x, y) => x - y);
  const out: Record<number, number> = {};
  for (const p of ps) out[p] = percentileSorted(sorted, p);
  return out;
}
