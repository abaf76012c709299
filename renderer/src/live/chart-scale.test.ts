import { describe, expect, it } from 'vitest';
import { formatDuration } from '../ui/format';
import { dataYScale, niceCeil, pointRadius, timeStepSec } from './chart-scale';

const guides = [
  { label: 'warning 3 s', y: 3, color: 'w' },
  { label: 'critical 5 s', y: 5, color: 'c' },
];
const series = (ys: number[]) => [{ label: 'l', color: 'b', points: ys.map((y, x) => ({ x, y })) }];

describe('chart scale', () => {
  it('scales the y axis to millisecond pulses and notes the guides above it', () => {
    const s = dataYScale(series([0.004, 0.012, 0.009]), guides);
    expect(s.max).toBe(0.02);
    expect(s.shown).toEqual([]);
    expect(s.above.map((g) => g.y)).toEqual([3, 5]);
  });

  it('draws a guide once the data reaches its range', () => {
    const s = dataYScale(series([0.5, 3.4]), guides);
    expect(s.max).toBe(5);
    expect(s.shown.map((g) => g.y)).toEqual([3, 5]);
    expect(dataYScale(series([1.5]), guides).above.map((g) => g.y)).toEqual([3, 5]);
  });

  it('rounds to 1, 2 or 5 times a power of ten', () => {
    expect([0.013, 0.2, 3.1, 7, 0].map(niceCeil)).toEqual([0.02, 0.2, 5, 10, 1]);
  });

  it('steps the time axis in whole seconds, so no two labels repeat', () => {
    for (const span of [3, 8, 45, 600, 86_400]) {
      const step = timeStepSec(span, 8);
      expect(Number.isInteger(step)).toBe(true);
      const labels = [];
      for (let t = 0; t <= span; t += step) labels.push(formatDuration(t * 1000));
      expect(new Set(labels).size).toBe(labels.length);
      expect(labels.length).toBeLessThanOrEqual(9);
    }
  });

  it('draws a single point large enough to see', () => {
    expect(pointRadius(1)).toBeGreaterThanOrEqual(3);
    expect(pointRadius(5000)).toBeGreaterThan(0);
  });
});
