import { describe, expect, it } from 'vitest';
import { createPrng } from './prng';

describe('createPrng', () => {
  it('replays the same sequence for the same seed', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const seqA = Array.from({ length: 1000 }, () => a.nextUint32());
    const seqB = Array.from({ length: 1000 }, () => b.nextUint32());
    expect(seqA).toEqual(seqB);
  });

  it('gives different sequences for different seeds, including neighbouring ones', () => {
    const seqs = [0, 1, 2, 0xffffffff].map((s) => {
      const r = createPrng(s);
      return Array.from({ length: 16 }, () => r.nextUint32()).join(',');
    });
    expect(new Set(seqs).size).toBe(4);
  });

  it('replays int/float/pick/chance/shuffle calls identically', () => {
    const run = (seed: number) => {
      const r = createPrng(seed);
      return [
        r.int(1, 6),
        r.float(0.5, 0.9),
        r.pick(['a', 'b', 'c']),
        r.chance(0.3),
        r.shuffle([1, 2, 3, 4, 5]).join(''),
      ];
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('is roughly uniform: chi-square over 10 buckets of int(0, 9) stays below the 0.999 critical value', () => {
    const r = createPrng(12345);
    const n = 100_000;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const k = r.int(0, 9);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const expected = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88); // df = 9, alpha = 0.001
    const mean = Array.from({ length: n }, () => r.next()).reduce((s, x) => s + x, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('keeps int() inside its inclusive bounds and float() inside [lo, hi)', () => {
    const r = createPrng(9);
    let sawLo = false;
    let sawHi = false;
    for (let i = 0; i < 5000; i++) {
      const k = r.int(-3, 3);
      expect(k).toBeGreaterThanOrEqual(-3);
      expect(k).toBeLessThanOrEqual(3);
      sawLo ||= k === -3;
      sawHi ||= k === 3;
      const f = r.float(2, 5);
      expect(f).toBeGreaterThanOrEqual(2);
      expect(f).toBeLessThan(5);
    }
    expect(sawLo && sawHi).toBe(true);
  });

  it('chance() honours 0 and 1 and lands near p in between', () => {
    const r = createPrng(3);
    expect(Array.from({ length: 200 }, () => r.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 200 }, () => r.chance(1)).every(Boolean)).toBe(true);
    const hits = Array.from({ length: 20_000 }, () => r.chance(0.2)).filter(Boolean).length;
    expect(hits / 20_000).toBeGreaterThan(0.18);
    expect(hits / 20_000).toBeLessThan(0.22);
  });

  it('shuffle returns a permutation and leaves the input alone', () => {
    const r = createPrng(5);
    const input = Array.from({ length: 50 }, (_, i) => i);
    const out = r.shuffle(input);
    expect(input).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...out].sort((x, y) => x - y)).toEqual(input);
    expect(out).not.toEqual(input);
  });

  it('rejects bad seeds and bad ranges', () => {
    expect(() => createPrng(-1)).toThrow(RangeError);
    expect(() => createPrng(1.5)).toThrow(RangeError);
    const r = createPrng(1);
    expect(() => r.int(5, 4)).toThrow(RangeError);
    expect(() => r.pick([])).toThrow(RangeError);
  });
});
