import { describe, expect, it } from 'vitest';
import type { RunStreamEvent } from '../model/api';
import { EXIT, EXIT_TABLE, exitForVerdict } from './common';
import { LiveStatus } from './live-status';

const sample = (overMs: number): RunStreamEvent => ({
  type: 'sample',
  runId: 'r',
  sample: {} as never,
  guard: [{ metric: 'cpu', limitPct: 85, lastPct: 99, overMs, windowMs: 30_000 }],
});

describe('CLI live status', () => {
  it('counts the maximum from the probe clock start and says when targets were up', () => {
    const s = new LiveStatus({ startedAt: 0, plan: { run: { maxDurationSec: 60 } } });
    expect(s.clock(3000)).toBe(
      '[00:03 since run start / 01:00 max from probe clock start, targets not up yet]',
    );
    s.observe({
      type: 'event',
      runId: 'r',
      event: {
        at: 12_000,
        kind: 'run',
        message: '',
        data: { probeClockStartedAt: 12_000, targetsUpAfterMs: 12_000 },
      },
    });
    expect(s.clock(75_000)).toBe('[01:03 / 01:00 max from probe clock start, targets up at +12 s]');
  });

  it("says a rail's progress toward tripping at each quarter of its window, and its reset", () => {
    const s = new LiveStatus({ startedAt: 0, plan: { run: { maxDurationSec: 60 } } });
    expect(s.observe(sample(0))).toBeNull();
    expect(s.observe(sample(1000))).toMatch(/guard rail cpu over 85% \(99%\) for 1\/30 s toward tripping/);
    expect(s.observe(sample(2000))).toBeNull();
    expect(s.observe(sample(8000))).toMatch(/for 8\/30 s/);
    expect(s.observe(sample(0))).toMatch(/guard rail cpu back under 85%/);
  });

  it('INCOMPLETE has its own exit code, in the one table', () => {
    expect(exitForVerdict('INCOMPLETE')).toBe(5);
    expect(EXIT_TABLE.some(([c, what]) => c === EXIT.INCOMPLETE && /incomplete/.test(what))).toBe(true);
  });
});
