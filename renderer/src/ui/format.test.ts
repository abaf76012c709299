import { describe, expect, it } from 'vitest';
import { formatDuration, formatPct, formatSeconds, progressPct } from './format';

describe('format', () => {
  it('formats durations as h:mm:ss or m:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_400)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(86_400_000)).toBe('24:00:00');
    expect(formatDuration(-5)).toBe('0:00');
  });

  it('formats percentages and seconds, with a dash for missing values', () => {
    expect(formatPct(null)).toBe('—');
    expect(formatPct(Number.NaN)).toBe('—');
    expect(formatPct(84.96)).toBe('85.0%');
    expect(formatSeconds(3_200)).toBe('3.20 s');
  });

  it('clamps progress and survives a zero duration', () => {
    expect(progressPct(30_000, 60)).toBe(50);
    expect(progressPct(120_000, 60)).toBe(100);
    expect(progressPct(1_000, 0)).toBe(0);
  });
});
