import { describe, expect, it } from 'vitest';
import type { HostSample } from '../model/evidence';
import { GuardRails } from './guard-rails';

const host = (cpuPct: number, at: number): HostSample =>
  ({ at, cpuPct, ramPct: 10, gpuPct: null, memTotalKb: 1, memAvailableKb: 1, load1: 0 }) as HostSample;

describe('guard-rail progress', () => {
  it('reports how long each metric has been over its line against the window, reset by one sample under', () => {
    const g = new GuardRails({ cpuPct: 85, ramPct: 80, gpuPct: 70, windowSec: 30 });
    g.observe(host(90, 1000));
    g.observe(host(95, 13_000));
    expect(g.progress()[0]).toEqual({
      metric: 'cpu',
      limitPct: 85,
      lastPct: 95,
      overMs: 12_000,
      windowMs: 30_000,
    });
    expect(g.progress()[1]).toMatchObject({ metric: 'ram', overMs: 0, lastPct: 10 });
    g.observe(host(50, 14_000));
    expect(g.progress()[0]?.overMs).toBe(0);
  });
});
