import { describe, expect, it } from 'vitest';
import { barChart, coverageChart, elapsedLabel, esc, lineChart, msLabel, niceTicks, pctLabel, timeAxis } from './svg-charts';

const labels = (svg: string) => [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const warnCrit = [
  { y: 3000, label: 'warning 3 s', cls: 'warn' },
  { y: 5000, label: 'critical 5 s', cls: 'crit' },
];

describe('svg charts', () => {
  it('nice ticks cover the data in 1/2/5 steps', () => {
    expect(niceTicks(46)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(5500)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(niceTicks(0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('time labels never repeat, from a 1 s run to a 2 h run', () => {
    for (const span of [0, 900, 1000, 3000, 13_000, 45_000, 180_000, 7_200_000]) {
      const axis = timeAxis(0, span);
      const text = axis.ticks.map((t) => elapsedLabel(t, axis.step));
      expect(new Set(text).size, `${span} ms: ${text.join(' ')}`).toBe(text.length);
      expect(text.length).toBeGreaterThanOrEqual(2);
      expect(text.length).toBeLessThanOrEqual(9);
    }
    expect(elapsedLabel(1500, 500)).toBe('0:01.5');
    expect(elapsedLabel(61_000, 1000)).toBe('1:01');
  });

  it('millisecond pulses get a millisecond axis; the 3 s and 5 s lines are noted as off-scale', () => {
    const svg = lineChart({
      title: 'latency',
      series: [{ name: 'pulse latency', cls: 'latency', stems: true, points: [10, 42, 7].map((y, i) => ({ x: i * 8000, y })) }],
      lines: warnCrit,
      yLabel: msLabel,
    });
    expect(labels(svg)).toContain('50 ms');
    expect(labels(svg)).not.toContain('6 s');
    expect(svg).not.toMatch(/<line class="ref/);
    expect(svg).toContain('warning 3 s: above this axis (top 50 ms)');
    // The 42 ms pulse stands at 84% of the plot height, not flat on zero.
    const cy = [...svg.matchAll(/<circle[^>]*cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...cy)).toBeLessThan(14 + 190 * 0.25);
  });

  it('slow pulses are drawn against the 3 s and 5 s lines, labelled in seconds', () => {
    const svg = lineChart({
      title: 'latency',
      series: [{ name: 'p', cls: 'latency', points: [{ x: 0, y: 1200 }, { x: 8000, y: 5600 }] }],
      lines: warnCrit,
      yLabel: msLabel,
    });
    expect(svg.match(/<line class="ref/g)).toHaveLength(2);
    expect(labels(svg)).toContain('6 s');
  });

  it('a single point is visible, on a widened time axis', () => {
    const svg = lineChart({ title: 'one', series: [{ name: 'p', cls: 'latency', points: [{ x: 5000, y: 30 }] }], lines: [], yLabel: msLabel });
    expect(svg).toMatch(/<circle class="dot latency" cx="[\d.]+" cy="[\d.]+" r="3.5"\/>/);
    expect(new Set(labels(svg)).size).toBe(labels(svg).length);
    expect(labels(svg).find((l) => l?.includes(':'))).toBe('0:00');
    const alone = lineChart({ title: 'at 0', series: [{ name: 'p', cls: 'latency', points: [{ x: 0, y: 3 }] }], lines: [], yLabel: msLabel });
    expect(labels(alone).filter((l) => l?.startsWith('-'))).toEqual([]);
    expect(alone).toMatch(/<circle class="dot latency"/);
  });

  it('no data says so instead of drawing an empty frame', () => {
    expect(lineChart({ title: 'none', series: [], lines: [], yLabel: pctLabel })).toContain('no data recorded');
  });

  it('close reference lines do not overprint their labels', () => {
    const svg = lineChart({
      title: 'host',
      series: [{ name: 'cpu', cls: 'cpu', points: [{ x: 0, y: 10 }, { x: 1000, y: 20 }] }],
      lines: [
        { y: 85, label: 'CPU guard 85%', cls: 'cpu' },
        { y: 80, label: 'RAM guard 80%', cls: 'ram' },
      ],
      yMax: 100,
      yLabel: pctLabel,
    });
    const ys = [...svg.matchAll(/<text class="ref-label[^"]*"[^>]*y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(2);
    expect(Math.abs((ys[0] as number) - (ys[1] as number))).toBeGreaterThanOrEqual(12);
  });

  it('bars and coverage blocks; every label escaped, control characters spelled out', () => {
    const hostile = '<img src=x onerror=alert(1)>\x1b[31m\u202e';
    const bars = barChart('TES', [{ label: hostile, value: 72, cls: '' }], 100);
    expect(bars).not.toContain('<img');
    expect(bars).toContain('&lt;img src=x onerror=alert(1)&gt;\\x1b');
    expect(esc(hostile)).toBe('&lt;img src=x onerror=alert(1)&gt;\\x1b[31m\\u202e');
    const cov = coverageChart('coverage', 10, new Set([0, 1, 2, 5, 6, 7, 8, 9]), 4000);
    expect(cov.match(/<rect class="slot present"/g)).toHaveLength(2);
    expect(cov.match(/<rect class="slot missing"/g)).toHaveLength(1);
    expect(cov).toContain('missing (2)');
  });
});
