import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parsePlanObject } from '../model/plan';
import { resourcesDir } from '../util/paths';
import { buildPreview } from './preview';

const opts = { planDir: path.join(resourcesDir(), 'plans'), resourcesDir: resourcesDir() };
const plan = (extra: Record<string, unknown>, target: Record<string, unknown> = {}) =>
  parsePlanObject({
    id: 'p',
    title: 'T',
    kind: 'concurrency',
    allowlist: ['workload-agent'],
    targets: [{ id: 'w', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '2'], ...target }],
    run: { maxDurationSec: 10 },
    ...extra,
  });

describe('buildPreview: everything that will run, in one escaped rendering', () => {
  it('shows the resolved argv shell-quoted, the working folder, the plan env and the containment', () => {
    const pv = buildPreview(plan({}, { args: ['a;b', 'a ; b'], env: { FOO: 'x y' } }), {
      ...opts,
      outDir: '/reports',
    });
    const t = pv.targets[0];
    expect(t?.argv.slice(-2)).toEqual(['a;b', 'a ; b']);
    expect(t?.resolved).toMatch(/workload-agent\.mjs 'a;b' 'a ; b'$/);
    expect(t?.cwd).toBe('/reports/runs/<run id>/agents/w');
    expect(t?.env).toEqual({ FOO: 'x y' });
    expect(pv.lines).toContain(
      "  env set by the plan: FOO='x y' (besides PATH, HOME, LANG, TERM, PROBE_LAB_TARGET_ID, PROBE_LAB_RUN_ID)",
    );
    expect(pv.lines.some((l) => l.startsWith('Containment: '))).toBe(true);
    expect(pv.containment.label).toMatch(/cgroup v2|cgroup v1|process tree/);
  });

  it('refuses NODE_OPTIONS without allowEnv, and with it puts a WARNING in every view', () => {
    expect(() => buildPreview(plan({}, { env: { NODE_OPTIONS: '--require /tmp/evil.cjs' } }), opts)).toThrow(
      expect.objectContaining({ code: 'PLAN_ENV_REFUSED' }),
    );
    const pv = buildPreview(
      plan({ allowEnv: ['NODE_OPTIONS'] }, { env: { NODE_OPTIONS: '--require /tmp/evil.cjs' } }),
      opts,
    );
    // This 2 s plan also draws the evidence warnings (no burst during its task, guard window too long).
    expect(pv.warnings.filter((w) => w.includes('NODE_OPTIONS'))).toHaveLength(1);
    expect(pv.warnings[0]).toContain("NODE_OPTIONS='--require /tmp/evil.cjs'");
    expect(pv.lines[1]).toBe(pv.warnings[0]);
  });

  it('refuses a loader variable in the burst validator env too, and shows an allowed one', () => {
    const bundled = JSON.parse(
      fs.readFileSync(path.join(resourcesDir(), 'plans', 'quick-validation-burst.json'), 'utf8'),
    );
    const withEnv = (allowEnv?: string[]) => {
      const raw = structuredClone(bundled);
      raw.burst.validator.env = { LD_PRELOAD: '/tmp/evil.so' };
      if (allowEnv) raw.allowEnv = allowEnv;
      return parsePlanObject(raw);
    };
    expect(() => buildPreview(withEnv(), opts)).toThrow(
      expect.objectContaining({ code: 'PLAN_ENV_REFUSED' }),
    );
    const lines = buildPreview(withEnv(['LD_PRELOAD']), opts).lines;
    // Second line, right under the plan's name: where a person reads first.
    expect(lines[1]).toMatch(/^WARNING: the burst validator sets LD_PRELOAD=\/tmp\/evil\.so/);
  });
});
