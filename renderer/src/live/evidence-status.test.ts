import { describe, expect, it } from 'vitest';
import { lastFileIo, probeClock, railViews } from './evidence-status';

const run = {
  runId: 'r',
  planId: 'p',
  title: 't',
  startedAt: 1_000_000,
  endedAt: null,
  status: 'running' as const,
  verdict: null,
  reportPath: null,
};

describe('live evidence status', () => {
  it('counts the maximum from the probe clock and says when the targets were up', () => {
    const at = run.startedAt + 12_000;
    const events = [
      { at, kind: 'run', message: 'm', data: { probeClockStartedAt: at, targetsUpAfterMs: 12_000 } },
    ];
    const c = probeClock({ events, maxDurationSec: 60, run }, at + 63_000);
    expect(c.text).toBe('1:03 / 1:00 max from probe clock start, targets up at +12 s');
    expect(probeClock({ events: [], maxDurationSec: 60, run }, run.startedAt + 3000).text).toMatch(
      /targets not up yet/,
    );
  });

  it('shows how long each rail has been over its line against its window', () => {
    const v = railViews({
      guard: [
        { metric: 'cpu', limitPct: 85, lastPct: 97, overMs: 12_000, windowMs: 30_000 },
        { metric: 'ram', limitPct: 80, lastPct: 20, overMs: 0, windowMs: 30_000 },
      ],
    });
    expect(v[0]).toEqual({ metric: 'cpu', pct: 40, text: 'CPU 97% over 85% for 12 of 30 s' });
    expect(v[1]?.pct).toBe(0);
  });

  it('gives the last pulse file-I/O figure', () => {
    const fileIo = { at: 1, maxMs: 1400, class: 'critical' as const, entries: [] };
    expect(lastFileIo({ pulses: [{ seq: 3, fileIo } as never] })).toBe('1400 ms (critical) at pulse 3');
  });
});
