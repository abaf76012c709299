import { describe, expect, it } from 'vitest';
import { host, pulse } from '../run/test-fixtures';
import { CHART_WINDOW_POINTS, pulseLatencySeries, resourceSeries, xExtent } from './chart-data';

describe('chart data', () => {
  it('keeps a moving window of the newest pulses, in seconds since the start', () => {
    const pulses = Array.from({ length: 10_000 }, (_, i) => pulse(i + 1, { latencyMs: 2500 }));
    const pts = pulseLatencySeries(pulses, 1_000_000);
    expect(pts).toHaveLength(CHART_WINDOW_POINTS);
    expect(pts[pts.length - 1]).toEqual({ x: 10_000, y: 2.5 });
  });

  it('draws GPU only when a sample has a reading', () => {
    const s = (at: number, gpu: number | null) => ({
      at,
      host: host(at, 50, 60, gpu),
      targets: [],
      engineCpuPct: 0,
    });
    expect(resourceSeries([s(1000, null), s(2000, null)], 0).gpu).toBeNull();
    const r = resourceSeries([s(1000, null), s(2000, 33)], 0);
    expect(r.gpu).toEqual([{ x: 2, y: 33 }]);
    expect(r.cpu).toEqual([
      { x: 1, y: 50 },
      { x: 2, y: 50 },
    ]);
  });

  it('spans guides over every series, and at least one second', () => {
    expect(xExtent([{ label: 'a', color: '', points: [] }])).toBeNull();
    expect(xExtent([{ label: 'a', color: '', points: [{ x: 4, y: 0 }] }])).toEqual({ min: 4, max: 5 });
  });
});
