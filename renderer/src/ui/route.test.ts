import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from './route';

describe('routes', () => {
  it.each<Route>([
    { screen: 'probes', planId: null },
    { screen: 'probes', planId: 'concurrency-4' },
    { screen: 'live', runId: null },
    { screen: 'live', runId: 'run 1/x' },
    { screen: 'history', reportPath: '/home/u/reports/scale_probe_2026-11-23T10:00:00Z.md' },
    { screen: 'history', reportPath: null },
    { screen: 'settings' },
  ])('round-trips %j', (route) => {
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('falls back to the probes screen for an empty or unknown hash, and survives bad escapes', () => {
    expect(parseRoute('')).toEqual({ screen: 'probes', planId: null });
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'probes', planId: null });
    expect(parseRoute('#/history/%E0%A4%A')).toEqual({ screen: 'history', reportPath: null });
  });
});
