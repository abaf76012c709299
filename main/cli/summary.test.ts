import { describe, expect, it } from 'vitest';
import type { Pulse, ResourceSample } from '../model/evidence';
import type { RunConclusion } from '../run/output';
import { fmt, renderSummary, summarize } from './summary';

const pulse = (seq: number, latencyMs: number, rtt: number): Pulse =>
  ({
    seq,
    phase: 'during',
    burst: 1,
    latencyMs,
    latencyClass: 'ok',
    targets: [{ rttMs: rtt }],
  }) as unknown as Pulse;
const sample = (cpuPct: number): ResourceSample =>
  ({ at: 0, host: { cpuPct, ramPct: 10 }, targets: [], engineCpuPct: 0 }) as unknown as ResourceSample;

function conclusion(extra: Record<string, unknown> = {}): RunConclusion {
  const pulses = [1, 2, 3, 4].map((i) => pulse(i, i * 10, i));
  return {
    verdict: 'FAIL',
    haltReason: null,
    thresholds: [
      { name: 'pulse latency', ok: true, actual: 'fine', expected: 'under 5 s', value: 40, unit: 'ms' },
      {
        name: 'guard\x1b[2J rails',
        ok: false,
        actual: 'tripped',
        expected: 'never',
        value: 1,
        unit: 'count',
      },
    ],
    probeTes: null,
    drift: null,
    probeStartedAt: 1000,
    endedAt: 11_000,
    baseline: null,
    targets: [],
    extra,
    skippedPulses: 0,
    pulses,
    recorded: {
      pulses,
      samples: [sample(10), sample(20), sample(30)],
      snapshots: [],
      snapshotCount: 0,
      snapshotTimes: () => [],
      events: [],
      anomalies: [],
      tes: [],
      integrity: null,
      coverage: null,
      observerErrors: [],
    },
  };
}

describe('end-of-run summary', () => {
  it('gives count, p50/p95/p99 and max per metric, with units', () => {
    const s = summarize(conclusion());
    const lat = s.metrics.find((m) => m.name === 'pulse_latency')!;
    expect(lat).toMatchObject({ count: 4, p50: 25, max: 40, unit: 'ms' });
    expect(lat.p95).toBeCloseTo(38.5);
    expect(s.metrics.find((m) => m.name === 'host_cpu')).toMatchObject({ count: 3, p50: 20, unit: '%' });
    const text = renderSummary(s, { colour: false }).join('\n');
    expect(text).toMatch(/pulse latency \.+ +4 +25 ms +38\.5 ms +39\.7 ms +40 ms/);
    expect(text).toMatch(/✓ pulse latency \.+ +40 ms {2}fine \(expected under 5 s\)/);
    expect(text).toMatch(/✗ guard\\x1b\[2J rails \.* +1 {2}tripped/);
    // No data, no row: there is no task TES to show here.
    expect(text).not.toMatch(/TES per target/);
  });

  it('ends a chaos run with what it measured, never "probe TES n/a"', () => {
    const s = summarize(
      conclusion({
        chaos: {
          verdict: 'PASS',
          summary: { total: 3, recovered: 3, escalated: 0, failed: 0, injected: 0 },
          scenarios: [
            { recoveryMs: 100, outageMs: 900 },
            { recoveryMs: 200, outageMs: 1100 },
            { recoveryMs: 300, outageMs: null },
          ],
        },
      }),
    );
    expect(s.headline).toMatch(/^chaos PASS: 3\/3 scenarios recovered.*recovery p95 290 ms/);
    const text = renderSummary(s, { colour: false }).join('\n');
    expect(text).not.toContain('n/a (n/a)');
    expect(text).toMatch(/chaos recovery \.+ +3 +200 ms/);
  });

  it('formats numbers with units', () => {
    expect(fmt(1234, 'ms')).toBe('1.23 s');
    expect(fmt(12.345, 'ms')).toBe('12.35 ms');
    expect(fmt(99.5, '%')).toBe('99.5%');
    expect(fmt(null, 'ms')).toBe('n/a');
    expect(fmt(3, 'count')).toBe('3');
  });

  it('cuts every line to the terminal width when given one', () => {
    for (const l of renderSummary(summarize(conclusion()), { colour: true, width: 40 }))
      expect([...l.replace(/\x1b\[[0-9;]*m/g, '')].length).toBeLessThanOrEqual(39);
  });
});
