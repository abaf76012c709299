import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatElapsed,
  formatLimit,
  formatPct,
  formatSeconds,
  plural,
  progressPct,
} from './format';

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

  it('pluralises counts, irregular plurals included', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(0, 'file')).toBe('0 files');
    expect(plural(2, 'anomaly', 'anomalies')).toBe('2 anomalies');
    expect(plural(1, 'anomaly', 'anomalies')).toBe('1 anomaly');
    expect(plural(1200, 'char')).toBe('1,200 chars');
  });

  it('prints event times as elapsed since the run start, like the CLI', () => {
    expect(formatElapsed(1_013_000, 1_000_000)).toBe('+0:13');
    expect(formatElapsed(999_000, 1_000_000)).toBe('+0:00');
  });

  it('never says a plan takes "0 min"', () => {
    expect(formatLimit(30)).toBe('30 s');
    expect(formatLimit(45)).toBe('45 s');
    expect(formatLimit(1200)).toBe('20 min');
  });
});
