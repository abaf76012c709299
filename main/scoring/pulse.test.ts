import { describe, expect, it } from 'vitest';
import { classifyLatency, judgePulse } from './pulse';
import { GuardRails } from '../safety/guard-rails';
import { ThresholdsSchema } from '../model/plan';

const t = ThresholdsSchema.parse({});
const host = (cpuPct: number, at = 0) => ({
  at,
  cpuPct,
  ramPct: 10,
  gpuPct: null,
  memTotalKb: 1,
  memAvailableKb: 1,
  load1: 0,
});

describe('pulse latency classes (seed 000: < 3 s OK, 3-5 s warning, > 5 s critical)', () => {
  it('classifies at the edges', () => {
    expect(classifyLatency(2999, t.pulse)).toBe('ok');
    expect(classifyLatency(3000, t.pulse)).toBe('warning');
    expect(classifyLatency(5000, t.pulse)).toBe('warning');
    expect(classifyLatency(5001, t.pulse)).toBe('critical');
  });

  it('judges RED on integrity change or a failed target, YELLOW on warnings, with reasons', () => {
    const base = {
      latencyClass: 'ok' as const,
      latencyMs: 10,
      host: host(10),
      targets: [],
      integrity: null,
      thresholds: t,
    };
    expect(judgePulse(base)).toEqual({ status: 'GREEN', reasons: [] });
    expect(judgePulse({ ...base, host: host(90) }).status).toBe('YELLOW');
    const integrity = {
      at: 0,
      governanceHash: 'b',
      baselineGovernanceHash: 'a',
      sentinels: [],
      changed: ['gov/policy'],
      findings: [],
      labWorkMs: 1,
      ok: false,
    };
    const red = judgePulse({ ...base, integrity });
    expect(red.status).toBe('RED');
    expect(red.reasons[0]).toContain('gov/policy');
    expect(judgePulse({ ...base, latencyClass: 'skipped' }).status).toBe('RED');
  });
});

describe('guard rails', () => {
  it('trips only after a breach lasts the whole window, and one sample under resets it', () => {
    const g = new GuardRails({ cpuPct: 85, ramPct: 80, gpuPct: 70, windowSec: 3 });
    expect(g.observe(host(90, 0))).toBeNull();
    expect(g.observe(host(95, 2000))).toBeNull();
    expect(g.observe(host(50, 2500))).toBeNull();
    expect(g.observe(host(95, 3000))).toBeNull();
    expect(g.observe(host(95, 5900))).toBeNull();
    const trip = g.observe(host(99, 6000));
    expect(trip).toMatchObject({ metric: 'cpu', limitPct: 85, sustainedMs: 3000, lastPct: 99 });
  });
});
