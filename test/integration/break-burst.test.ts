/**
 * Seed 003 tasks 1 and 4 on real processes: the validation burst passes the deterministic sample
 * validator, finds the deliberately nondeterministic one, holds 100 validators at once, stops every
 * validator tree on halt, runs only an allowlisted validator, and refuses a malformed burst section.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import '../../main/kinds/burst/index';
import { loadPlanFile } from '../../main/plans/catalog';
import { readLedger } from '../../main/evidence/ledger-read';
import { resourcesDir } from '../../main/util/paths';
import { agent, liveProcessesOfRun, makePlan, newRun, tempDir, useTempHome, waitFor } from './helpers';

beforeAll(() => {
  useTempHome();
});

const validator = (name: string) => path.join(resourcesDir(), 'validators', name);
const packs = path.join(resourcesDir(), 'artifacts', 'packs');

function burstPlan(burst: Record<string, unknown>, allow = ['gate-check.mjs', 'flaky-gate.mjs']) {
  return makePlan({
    id: 'burst-test',
    kind: 'validation-burst',
    allowlist: ['workload-agent', ...allow.map(validator)],
    targets: [agent('carrier', ['--run-sec', '3600'], { role: 'service', health: { type: 'alive' } })],
    run: { maxDurationSec: 120 },
    thresholds: {
      guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 },
      coverage: { minPct: 0 },
    },
    burst: { artifacts: { folder: packs, suffixes: ['.json'] }, ...burst },
  });
}

const readCmdline = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

const threshold = (r: { thresholds: { name: string; ok: boolean; actual: string }[] }, name: string) =>
  r.thresholds.find((t) => t.name === name);

describe('validation burst', () => {
  it('the bundled quick plan passes the deterministic validator: 122 packs x 3, nothing differs, every invocation in the ledger', async () => {
    const l = loadPlanFile(path.join(resourcesDir(), 'plans', 'quick-validation-burst.json'));
    const run = newRun(l.plan, tempDir());
    const r = await run.run();
    expect(threshold(r, 'validation burst')).toMatchObject({ ok: true, actual: '366/366 validations ran' });
    expect(threshold(r, 'validation determinism')?.ok).toBe(true);
    expect(threshold(r, 'validator errors')?.ok).toBe(true);
    const records = readLedger(path.join(run.runDir, 'ledger.jsonl')).records;
    expect(records.filter((x) => x.type === 'burst.invocation')).toHaveLength(366);
    expect(records.filter((x) => x.type === 'burst.nondeterminism')).toHaveLength(0);
    const report = JSON.parse(fs.readFileSync(r.report.json, 'utf8')) as {
      extra: Record<string, { verdicts: Record<string, number> }>;
    };
    // 15, 22, 40 and their multiples, the truncated pack and the array: failing verdicts, the same every time.
    expect(report.extra['validation-burst']?.verdicts).toMatchObject({
      fail: 17 * 3,
      error: 0,
      timeout: 0,
      'not-run': 0,
    });
    expect(r.verdict).toBe('PASS');
  });

  it('finds the deliberately nondeterministic validator: every pack whose id ends in 7, none that is deterministic', async () => {
    const run = newRun(
      burstPlan({ validator: { command: validator('flaky-gate.mjs') }, concurrency: 100, repeat: 3 }),
      tempDir(),
    );
    const r = await run.run();
    expect(r.verdict).toBe('FAIL');
    expect(threshold(r, 'validation determinism')?.ok).toBe(false);
    const found = readLedger(path.join(run.runDir, 'ledger.jsonl'))
      .records.filter((x) => x.type === 'burst.nondeterminism')
      .map((x) => x.data as { artifact: string; differs: string[] });
    const ids = found.map((f) => Number(/pack-(\d+)/.exec(f.artifact)?.[1]));
    const endsIn7 = Array.from({ length: 120 }, (_, i) => i + 1).filter((i) => i % 10 === 7);
    expect(ids.filter((i) => i % 10 === 7)).toEqual(endsIn7);
    expect(ids.every((i) => i % 10 === 7 || i % 10 === 3)).toBe(true);
    expect(found.filter((f) => f.differs.includes('output')).length).toBeGreaterThanOrEqual(endsIn7.length);
    expect(run.anomalies.some((a) => a.code === 'VALIDATION_NONDETERMINISTIC')).toBe(true);
  });

  it('holds 100 validators at once when each takes a while, and a halt mid-burst leaves no validator process alive', async () => {
    const plan = burstPlan({
      validator: { command: validator('gate-check.mjs'), env: { GATE_DELAY_MS: '20000' }, timeoutSec: 60 },
      concurrency: 100,
      repeat: 2,
    });
    const run = newRun(plan, tempDir());
    const done = run.run();
    const validators = () =>
      liveProcessesOfRun(run.runId).filter((p) => readCmdline(p).includes('gate-check.mjs'));
    await waitFor(() => validators().length >= 100, 60_000, '100 live validators');
    const halted = await run.halt('test halt mid-burst');
    const r = await done;
    expect(halted.survivors).toEqual([]);
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
    expect(r.verdict).toBe('HALTED');
    const end = readLedger(path.join(run.runDir, 'ledger.jsonl')).records.find((x) => x.type === 'burst.end')
      ?.data as { peakConcurrency: number; completed: boolean };
    expect(end.peakConcurrency).toBe(100);
    expect(end.completed).toBe(false);
    // Invocations cut short by the halt are `not-run`, never compared and never counted as nondeterminism.
    expect(threshold(r, 'validation determinism')?.ok).toBe(false);
    expect(threshold(r, 'validation determinism')?.actual).toMatch(/^0 of 122/);
  });

  it('two bursts may not validate the same artifact folder at once: the second is refused with TARGET_BUSY and runs nothing', async () => {
    const first = newRun(
      burstPlan({
        validator: { command: validator('gate-check.mjs'), env: { GATE_DELAY_MS: '20000' } },
        concurrency: 4,
      }),
      tempDir(),
    );
    const firstDone = first.run();
    await waitFor(() => liveProcessesOfRun(first.runId).length >= 4, 30_000, 'the first burst');
    const second = newRun(burstPlan({ validator: { command: validator('gate-check.mjs') } }), tempDir());
    const r = await second.run();
    expect(second.anomalies.find((a) => a.code === 'TARGET_BUSY')?.message).toContain(first.runId);
    expect(
      readLedger(path.join(second.runDir, 'ledger.jsonl')).records.some((x) => x.type === 'burst.invocation'),
    ).toBe(false);
    expect(r.verdict).toBe('FAIL');
    await first.halt('test done');
    await firstDone;
    expect(liveProcessesOfRun(first.runId)).toEqual([]);
    // Released with the first run: a third burst on the folder may start.
    const third = newRun(
      burstPlan({ validator: { command: validator('gate-check.mjs') }, repeat: 2 }),
      tempDir(),
    );
    expect(threshold(await third.run(), 'validation burst')?.ok).toBe(true);
  });

  it('a validator not on the allowlist never runs: EXEC_NOT_ALLOWED, no validator process, FAIL', async () => {
    const run = newRun(
      burstPlan({ validator: { command: validator('flaky-gate.mjs') } }, ['gate-check.mjs']),
      tempDir(),
    );
    const r = await run.run();
    expect(run.anomalies.find((a) => a.code === 'EXEC_NOT_ALLOWED')).toBeDefined();
    expect(
      readLedger(path.join(run.runDir, 'ledger.jsonl')).records.some((x) => x.type === 'burst.invocation'),
    ).toBe(false);
    expect(threshold(r, 'validation burst')?.ok).toBe(false);
    expect(r.verdict).toBe('FAIL');
  });

  it('a malformed burst section refuses the run before anything exists, with every problem and its path', () => {
    const plan = burstPlan({ validator: { command: '' }, concurrency: 0, repeat: 1, extra: true });
    const out = tempDir();
    expect(() => newRun(plan, out)).toThrow(expect.objectContaining({ code: 'PLAN_INVALID' }));
    try {
      newRun(plan, out);
    } catch (err) {
      const paths = (err as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
      expect(paths).toEqual(
        expect.arrayContaining(['burst', 'burst.concurrency', 'burst.repeat', 'burst.validator.command']),
      );
    }
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
