import { describe, expect, it } from 'vitest';
import { findNondeterminism, percentiles, type Invocation } from './stats';
import { parseBurstSection } from './schema';
import { burstPreviewLines } from './index';
import { parsePlanObject } from '../../model/plan';
import { resourcesDir } from '../../util/paths';

const inv = (
  artifact: string,
  repetition: number,
  verdict: Invocation['verdict'],
  outputHash = 'h',
): Invocation => ({
  artifact,
  repetition,
  verdict,
  outputHash,
  exitCode: verdict === 'pass' ? 0 : 1,
  signal: null,
  latencyMs: 1,
  sample: '',
});

describe('burst statistics', () => {
  it('nearest-rank percentiles report latencies that were measured', () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(p).toMatchObject({ count: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(percentiles([])).toBeNull();
  });

  it('flags a differing verdict or output, ignores repetitions cut short by a halt', () => {
    const found = findNondeterminism([
      inv('a', 1, 'pass'),
      inv('a', 2, 'pass'),
      inv('b', 1, 'pass'),
      inv('b', 2, 'fail'),
      inv('c', 1, 'fail', 'x'),
      inv('c', 2, 'fail', 'y'),
      inv('d', 1, 'pass'),
      inv('d', 2, 'not-run', ''),
    ]);
    expect(found.map((f) => [f.artifact, f.differs])).toEqual([
      ['b', ['verdict']],
      ['c', ['output']],
    ]);
  });
});

describe('burst section schema', () => {
  it('fills defaults: 100 at once, 3 repetitions, stdout compared, no tolerance', () => {
    const c = parseBurstSection({ validator: { command: 'v' }, artifacts: { folder: 'a' } });
    expect([
      c.concurrency,
      c.repeat,
      c.compare,
      c.thresholds.maxNondeterministic,
      c.validator.passExitCodes,
    ]).toEqual([100, 3, 'stdout', 0, [0]]);
  });

  it('refuses an exit code that both passes and fails, a single repetition and unknown keys', () => {
    expect(() =>
      parseBurstSection({
        validator: { command: 'v', failExitCodes: [0] },
        artifacts: { folder: 'a' },
        repeat: 1,
        x: 1,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'PLAN_INVALID',
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'burst.repeat' }),
          expect.objectContaining({ path: 'burst' }),
        ]),
      }),
    );
  });
});

describe('burst preview lines', () => {
  const plan = (burst: unknown, allow: string[]) =>
    parsePlanObject({
      id: 'p',
      title: 'P',
      kind: 'validation-burst',
      allowlist: ['workload-agent', ...allow],
      targets: [{ id: 'a', kind: 'agent', command: 'workload-agent' }],
      run: { maxDurationSec: 10 },
      burst,
    });
  const opts = { planDir: `${resourcesDir()}/plans`, resourcesDir: resourcesDir() };
  const burst = {
    validator: { command: '../validators/gate-check.mjs' },
    artifacts: { folder: '../artifacts/packs', suffixes: ['.json'] },
  };

  it('names the validator, the folder and the number of validations the person confirms', () => {
    const lines = burstPreviewLines(plan(burst, ['../validators/gate-check.mjs']), opts).join('\n');
    expect(lines).toContain('validators/gate-check.mjs');
    expect(lines).toContain('122 file(s)');
    expect(lines).toContain('(366 validations)');
  });

  it('shows a validator that is not allowlisted as REFUSED with its code', () => {
    expect(burstPreviewLines(plan(burst, []), opts)).toEqual([
      expect.stringContaining('REFUSED EXEC_NOT_ALLOWED'),
    ]);
  });
});
