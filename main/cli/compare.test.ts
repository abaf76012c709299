import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrng } from '../kinds/chaos/prng';
import type { ResultsDoc } from '../scoring/results';
import { compareResults, type ResultsComparison } from './compare';
import { main } from './index';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-lab-compare-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Latencies around `centre` ms with seeded noise, like a command flood's per-command timings. */
function latencies(seed: number, n: number, centre: number): number[] {
  const r = createPrng(seed);
  return Array.from({ length: n }, () => Math.round(r.float(centre * 0.7, centre * 1.3) * 100) / 100);
}

function doc(runId: string, over: Partial<ResultsDoc>): ResultsDoc {
  return {
    schema: 'probe-lab/results/v1',
    runId,
    planId: 'compare-multi',
    kind: 'stresstest',
    startedAt: '2025-11-10T14:00:00Z',
    endedAt: '2025-11-10T14:00:20Z',
    verdict: 'PASS',
    metrics: {},
    counters: {},
    ...over,
  };
}

// Seed 002 Appendix B: autonomy OFF vs ON of the multi-subsystem test.
const off = doc('autonomy-off', {
  metrics: {
    'command.latency': { unit: 'ms', count: 60, p50: 3.2, p99: 4.1 },
    'memory.peak_pressure': { unit: '%', value: 92 },
  },
  counters: { oom_events: 2, commands: 1001, ai_interventions: 0 },
  samples: { 'command.latency': latencies(1, 60, 3.2), 'poll.rtt': latencies(3, 40, 10) },
});
const on = doc('autonomy-on', {
  metrics: {
    'command.latency': { unit: 'ms', count: 60, p50: 2.8, p99: 3.6 },
    'memory.peak_pressure': { unit: '%', value: 73 },
  },
  counters: { oom_events: 0, commands: 1009, ai_interventions: 18 },
  samples: { 'command.latency': latencies(2, 60, 2.8), 'poll.rtt': latencies(4, 40, 10) },
});

function row(c: ResultsComparison, name: string) {
  const m = c.metrics.find((x) => x.name === name);
  if (!m) throw new Error(`no row ${name}`);
  return m;
}

describe('compareResults', () => {
  it('puts every metric and counter side by side with absolute and % change', () => {
    const c = compareResults(off, on);
    const pressure = row(c, 'memory.peak_pressure').fields[0]!;
    expect(pressure).toMatchObject({ field: 'value', a: 92, b: 73, delta: -19 });
    expect(pressure.pct).toBeCloseTo(-20.652, 2);
    const oom = row(c, 'oom_events').fields[0]!;
    expect(oom).toMatchObject({ a: 2, b: 0, delta: -2, pct: -100 });
    const ai = row(c, 'ai_interventions').fields[0]!;
    expect(ai).toMatchObject({ a: 0, b: 18, delta: 18, pct: null });
    expect(row(c, 'command.latency').fields.map((f) => f.field)).toEqual(['count', 'p50', 'p99']);
  });

  it('tests sampled metrics: a real 12.5% latency shift is significant, same-distribution noise is not', () => {
    const c = compareResults(off, on);
    const latency = row(c, 'command.latency').test!;
    expect(latency.verdict).toBe('significant');
    expect(latency.p).toBeLessThan(0.05);
    expect(latency.effectSize).toBeLessThan(0);
    expect(latency.n1).toBe(60);
    const rtt = row(c, 'poll.rtt');
    expect(rtt.source).toBe('samples');
    expect(rtt.test?.verdict).toBe('not significant');
  });

  it('declines a test with too few samples or samples on one side only, and says why', () => {
    const a = doc('a', { samples: { x: [1, 2, 3], y: latencies(5, 20, 1) } });
    const b = doc('b', { samples: { x: [4, 5, 6] } });
    const c = compareResults(a, b);
    expect(row(c, 'x').test).toBeNull();
    expect(row(c, 'x').testNote).toContain('too few samples');
    expect(row(c, 'y').testNote).toBe('samples only in run A');
    expect(row(c, 'y').onlyIn).toBe('a');
  });

  it('reports identical runs as no change (seed 002 compare: off=100% on=100%)', () => {
    const c = compareResults(off, { ...off, runId: 'again' });
    for (const m of c.metrics) for (const f of m.fields) expect(f.delta).toBe(0);
    expect(row(c, 'command.latency').test?.p).toBeCloseTo(1, 10);
  });
});

describe('probe-lab compare', () => {
  async function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['compare', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const write = (name: string, v: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
    return p;
  };

  it('prints the table and the test verdicts, exit 0', async () => {
    const r = await run([write('a.json', off), write('b.json', on)]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/memory\.peak_pressure \(%\)\s+value\s+92\s+73\s+-19\s+-20\.7%/);
    expect(r.out).toMatch(/oom_events\s+count\s+2\s+0\s+-2\s+-100\.0%/);
    expect(r.out).toContain('command.latency: significant (p = ');
    expect(r.out).toContain('poll.rtt: not significant');
  });

  it('prints JSON with --json', async () => {
    const r = await run([write('a.json', off), write('b.json', on), '--json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as ResultsComparison;
    expect(parsed.a.runId).toBe('autonomy-off');
    expect(parsed.metrics.length).toBeGreaterThan(4);
  });

  it('exits 2 with a coded error on wrong arity or an invalid file', async () => {
    expect((await run([write('a.json', off)])).code).toBe(2);
    const bad = await run([write('a.json', off), write('b.json', { ...on, metrics: { x: { p99: 1 } } })]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('probe-lab: RESULTS_INVALID:');
    expect(bad.err).toContain('metrics.x.unit');
  });
});
