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

  it('draws each rail as the reading against its limit, and the breach as seconds of the window', () => {
    const v = railViews({
      guard: [
        { metric: 'cpu', limitPct: 85, lastPct: 97, overMs: 12_000, windowMs: 30_000 },
        { metric: 'ram', limitPct: 80, lastPct: 20, overMs: 0, windowMs: 30_000 },
        { metric: 'gpu', limitPct: 70, lastPct: null, overMs: 0, windowMs: 30_000 },
      ],
    });
    expect(v[0]).toEqual({
      metric: 'cpu',
      name: 'Host CPU (all cores)',
      valuePct: 97,
      limitPct: 85,
      valueText: '97 %',
      over: true,
      breachText: 'over 85 % for 12 of 30 s, then halts',
    });
    // A host at 82 % with no breach draws an 82 % bar, not the (empty or nearly full) breach share.
    expect(v[1]).toMatchObject({
      valuePct: 20,
      over: false,
      breachText: 'under 80 % · halts after 30 s over it',
    });
    expect(v[2]).toMatchObject({ valuePct: null, valueText: 'not measured' });
  });

  it('gives the last pulse file-I/O figure', () => {
    const fileIo = { at: 1, maxMs: 1400, class: 'critical' as const, entries: [] };
    expect(lastFileIo({ pulses: [{ seq: 3, fileIo } as never] })).toBe('1400 ms (critical) at pulse 3');
  });
});
