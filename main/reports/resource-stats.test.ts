import { describe, expect, it } from 'vitest';
import { ValueTally } from './resource-stats';

/** The report's figures as they were computed before the tally: a sort of every value. */
function sorted(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { count: s.length, min: s[0], p50: q(0.5), p95: q(0.95), max: s.at(-1), mean: Math.round(mean * 10) / 10 };
}

describe('ValueTally', () => {
  it('gives the figures a sort of every value gives', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 100;
    for (const n of [1, 2, 3, 19, 20, 21, 1000, 86_400]) {
      const xs = Array.from({ length: n }, () => Math.round(rnd() * 10) / 10);
      const t = new ValueTally();
      for (const x of xs) t.add(x);
      expect(t.stats(), `n=${n}`).toEqual(sorted(xs));
    }
  });

  it('is null with no value', () => {
    expect(new ValueTally().stats()).toBeNull();
  });
});
