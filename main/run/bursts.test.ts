import { describe, expect, it } from 'vitest';
import { makePlan, agent } from '../../test/integration/helpers';
import { Bursts } from './bursts';

describe('Bursts', () => {
  it('takes the snapshot due at a pulse’s instant before starting the pulse, for every pulse on the grid', async () => {
    // Bursts of 3 pulses 250 ms apart on a 500 ms snapshot grid: the first and third pulses of
    // each burst fall on the grid, the second does not.
    const plan = makePlan({
      targets: [agent('idle', ['--run-sec', '5'])],
      pulses: { cadenceSec: 1, burst: { count: 3, spacingSec: 0.25 }, after: 1, timeoutSec: 2 },
      snapshots: { cadenceSec: 0.5 },
    });
    const bursts = new Bursts(plan);
    const t0 = Date.now();
    const calls: string[] = [];
    const sub = bursts.start(t0, {
      snapshot: (slot, plannedAt) => void calls.push(`snapshot ${slot} @${plannedAt - t0}`),
      pulse: async (burst, plannedAt) => void calls.push(`pulse ${burst} @${plannedAt - t0}`),
    });
    const first = bursts.schedule.firstBurstMs;
    await new Promise((r) => setTimeout(r, first + 600));
    sub.dispose();
    expect(calls.slice(0, 5)).toEqual([
      `snapshot ${first / 500} @${first}`,
      `pulse 1 @${first}`,
      `pulse 1 @${first + 250}`,
      `snapshot ${first / 500 + 1} @${first + 500}`,
      `pulse 1 @${first + 500}`,
    ]);
  });
});
