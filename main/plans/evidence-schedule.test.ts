import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { bundledPlansDir, findPlanById } from './catalog';
import { parsePlanObject } from '../model/plan';
import { burstOffsets, burstSchedule, EARLY_FIRST_BURST_MS, planWarnings } from './evidence-schedule';

const bundled = (id: string) => findPlanById(id).plan;
const take = (it: Iterable<number>, n: number) => {
  const out: number[] = [];
  for (const x of it) {
    if (out.length === n) break;
    out.push(x);
  }
  return out;
};

describe('burst schedule (seed 000 section 3: bursts during the probe)', () => {
  it('takes the seed footprint probe’s first burst inside its 120 s task, not at 180 s', () => {
    const s = burstSchedule(bundled('footprint'));
    expect(s.firstBurstMs).toBe(EARLY_FIRST_BURST_MS);
    expect(take(burstOffsets(s), 4)).toEqual([2000, 7000, 12_000, 182_000]);
    expect(s.reason).toMatch(/shortest task \(scatter, 120 s/);
  });

  it('keeps a cadence-in first burst when every task outlasts a cadence plus a burst', () => {
    const s = burstSchedule(bundled('concurrency'));
    expect(s.firstBurstMs).toBe(180_000);
    expect(take(burstOffsets(s), 3)).toEqual([180_000, 185_000, 190_000]);
  });

  it('takes the first burst early when a task’s run time cannot be known', () => {
    const plan = parsePlanObject({
      id: 'own',
      title: 'own agent',
      kind: 'concurrency',
      allowlist: ['/bin/sleep'],
      targets: [{ id: 'a', kind: 'agent', command: '/bin/sleep', args: ['30'] }],
      run: { maxDurationSec: 600 },
    });
    expect(burstSchedule(plan).firstBurstMs).toBe(EARLY_FIRST_BURST_MS);
    expect(burstSchedule(plan).reason).toMatch(/not known in advance/);
  });
});

describe('plan warnings', () => {
  it('no bundled plan warns (every file in resources/plans)', () => {
    const ids = fs
      .readdirSync(bundledPlansDir())
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    expect(ids.length).toBeGreaterThanOrEqual(13);
    for (const id of ids) expect(planWarnings(bundled(id)), id).toEqual([]);
  });

  it("the seed plans keep seed 000's cadences: bursts every 2-5 min, snapshots every 2-3 min", () => {
    for (const id of ['footprint', 'concurrency', 'duration', 'combined']) {
      const p = bundled(id);
      expect(p.pulses.cadenceSec, id).toBeGreaterThanOrEqual(120);
      expect(p.pulses.cadenceSec, id).toBeLessThanOrEqual(300);
      expect(p.snapshots.cadenceSec, id).toBeGreaterThanOrEqual(120);
      expect(p.snapshots.cadenceSec, id).toBeLessThanOrEqual(180);
    }
  });

  it('warns when the guard-rail window is longer than the run can last', () => {
    const plan = { ...bundled('quick-concurrency') };
    plan.thresholds = { ...plan.thresholds, guard: { ...plan.thresholds.guard, windowSec: 30 } };
    const w = planWarnings(plan);
    expect(w.map((x) => x.code)).toEqual(['GUARD_WINDOW_TOO_LONG']);
    expect(w[0]?.message).toMatch(/sustained 30 s, but the run lasts at most 12 s \(its longest task\)/);
  });

  it('warns when no burst can fall during the tasks', () => {
    const plan = { ...bundled('quick-concurrency') };
    plan.run = { maxDurationSec: 5 };
    expect(planWarnings(plan).map((x) => x.code)).toContain('NO_BURST_DURING_TASKS');
  });
});
