import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parsePlanText } from './plan';
import { LabError } from '../util/errors';
import { resourcesDir } from '../util/paths';

const bundled = fs.readdirSync(path.join(resourcesDir(), 'plans')).filter((n) => n.endsWith('.json'));

describe('plan schema', () => {
  it.each(bundled)('bundled plan %s parses', (name) => {
    const plan = parsePlanText(fs.readFileSync(path.join(resourcesDir(), 'plans', name), 'utf8'), name);
    expect(`${plan.id}.json`).toBe(name);
  });

  it('quick twins fit in 60 s and the seed plans keep the seed cadences', () => {
    for (const name of bundled) {
      const plan = parsePlanText(fs.readFileSync(path.join(resourcesDir(), 'plans', name), 'utf8'));
      const seedTwin = [
        'quick-concurrency',
        'quick-duration',
        'quick-footprint',
        'quick-combined',
        'quick-http-service',
      ].includes(plan.id);
      if (seedTwin) expect(plan.run.maxDurationSec).toBeLessThan(60);
      // Issue 14: the seven stress suites in under 3 minutes.
      else if (plan.kind === 'stresstest') expect(plan.run.maxDurationSec).toBeLessThan(180);
      else if (plan.kind !== 'kernel' && plan.kind !== 'chaos' && plan.kind !== 'validation-burst') {
        expect(plan.pulses.cadenceSec).toBeGreaterThanOrEqual(120);
        expect(plan.pulses.cadenceSec).toBeLessThanOrEqual(300);
        expect(plan.snapshots.cadenceSec).toBeGreaterThanOrEqual(120);
        expect(plan.snapshots.cadenceSec).toBeLessThanOrEqual(180);
      }
    }
  });

  it('applies seed 000 defaults', () => {
    const plan = parsePlanText(
      JSON.stringify({
        id: 'p',
        title: 't',
        kind: 'concurrency',
        allowlist: ['workload-agent'],
        targets: [{ id: 'a', kind: 'agent', command: 'workload-agent' }],
        run: { maxDurationSec: 10 },
      }),
    );
    expect(plan.thresholds.pulse).toEqual({ warnSec: 3, critSec: 5 });
    expect(plan.thresholds.guard).toMatchObject({ cpuPct: 85, ramPct: 80, gpuPct: 70 });
    expect(plan.tes.velocity).toEqual({ fullSec: 90, zeroSec: 900 });
    expect(plan.tes.footprint).toEqual({ fullFiles: 1, zeroFiles: 10 });
    expect(plan.pulses.cadenceSec).toBeGreaterThanOrEqual(120);
  });

  it('reports every problem with its path and code, and parses YAML too', () => {
    const yaml = `id: Bad Id\ntitle: ''\nkind: sideways\nallowlist: []\ntargets:\n  - id: a\n    kind: agent\n    command: x\n    count: 0\n  - id: a\n    kind: agent\n    command: y\nrun: { maxDurationSec: -1 }\nsurprise: true\n`;
    try {
      parsePlanText(yaml, 'bad.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      const e = err as LabError;
      expect(e.code).toBe('PLAN_INVALID');
      const paths = (e.issues ?? []).map((i) => i.path);
      for (const p of ['id', 'title', 'kind', 'allowlist', 'targets.0.count', 'run.maxDurationSec', '(root)'])
        expect(paths).toContain(p);
      expect((e.issues ?? []).every((i) => i.code && i.message)).toBe(true);
    }
  });

  it('refuses text that is neither JSON nor YAML with PLAN_PARSE', () => {
    expect(() => parsePlanText('{ "id": ', 'x.json')).toThrow(
      expect.objectContaining({ code: 'PLAN_PARSE' }),
    );
    expect(() => parsePlanText('a: [1, 2', 'x.yaml')).toThrow(
      expect.objectContaining({ code: 'PLAN_PARSE' }),
    );
  });
});
