/**
 * Seeded PRNG for chaos runs: sfc32 (Chris Doty-Humphrey's small fast counting generator, passes
 * PractRand to 2^40+) with its 128-bit state filled by splitmix32 from one uint32 seed. The seed is
 * recorded in the results document, so a chaos wave replays event-for-event (seed 002 asks for
 * randomness that is still reproducible when a failure needs triage).
 */

export interface Prng {
  readonly seed: number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform uint32. */
  nextUint32(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Uniform float in [lo, hi). */
  float(lo: number, hi: number): number;
  pick<T>(arr: readonly T[]): T;
  /** True with probability p (clamped to [0, 1]). */
  chance(p: number): boolean;
  /** Fisher-Yates shuffle into a new array; the input is left as it was. */
  shuffle<T>(arr: readonly T[]): T[];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`PRNG seed must be a uint32, got ${seed}`);
  }
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // Discard the first outputs: sfc32's reference seeding runs 12 rounds before use.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / TWO_POW_32;

  const int = (lo: number, hi: number): number => {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`int(lo, hi) needs integers with lo <= hi, got ${lo}, ${hi}`);
    }
    const span = hi - lo + 1;
    if (span > TWO_POW_32) throw new RangeError('int(lo, hi) span exceeds 2^32');
    // Rejection sampling removes the modulo bias a plain `% span` would have.
    const limit = TWO_POW_32 - (TWO_POW_32 % span);
    let x = nextUint32();
    while (x >= limit) x = nextUint32();
    return lo + (x % span);
  };

  return {
    seed,
    next,
    nextUint32,
    int,
    float: (lo, hi) => {
      if (!(hi >= lo)) throw new RangeError(`float(lo, hi) needs lo <= hi, got ${lo}, ${hi}`);
      return lo + next() * (hi - lo);
    },
    pick: <T>(arr: readonly T[]): T => {
      if (arr.length === 0) throw new RangeError('pick() from an empty array');
      return arr[int(0, arr.length - 1)] as T;
    },
    chance: (p) => next() < Math.min(1, Math.max(0, p)),
    shuffle: <T>(arr: readonly T[]): T[] => {
      const out = arr.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
  };
}
