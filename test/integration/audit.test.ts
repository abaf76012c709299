/**
 * `probe-lab audit` as a person runs it (the real bin, real files): seed 002's stubbed shell is
 * flagged, honestly varying runs pass, unreadable input is a coded refusal naming the file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, useTempHome } from './helpers';
import { DEFAULT_HONEST, addConsoleNoise, honestSession } from '../support/honest-stresstest';

const BIN = path.resolve('bin/probe-lab.mjs');
const FIX = path.resolve('test/fixtures/audit');
const STUBBED = [1, 2, 3].map((i) => path.join(FIX, `stubbed-run-${i}.txt`));
const HONEST = [1, 2, 3].map((i) => path.join(FIX, `honest-run-${i}.txt`));

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: process.env, timeout: 60_000 });
}

interface AuditJson {
  findings: number;
  codes: Record<string, number>;
  groups: {
    suite: string;
    runs: string[];
    findings: { code: string; metric: string; evidence: Record<string, unknown> }[];
  }[];
  skipped: { file: string; line: number; reason: string }[];
}

beforeAll(() => {
  useTempHome();
});

describe('probe-lab audit', () => {
  it('flags three runs of the stubbed shell with the matching codes and exits 1', () => {
    const r = cli(['audit', ...STUBBED, '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as AuditJson;
    const group = (suite: string) => doc.groups.find((g) => g.suite === suite)!;
    const has = (suite: string, code: string, metric: string) =>
      group(suite).findings.some((f) => f.code === code && f.metric === metric);
    expect(doc.groups.map((g) => [g.suite, g.runs.length])).toEqual([
      ['memory', 3],
      ['learning', 3],
      ['chaos', 3],
    ]);
    // Constant 100% pressure and exactly 4 OOM events.
    expect(has('memory', 'PINNED_AT_BOUND', 'peak_pressure')).toBe(true);
    expect(has('memory', 'ZERO_VARIANCE', 'peak_pressure')).toBe(true);
    expect(has('memory', 'ZERO_VARIANCE', 'oom_events')).toBe(true);
    // Rewards pinned at 32767.
    expect(has('learning', 'PINNED_AT_BOUND', 'episode_rewards')).toBe(true);
    expect(has('learning', 'ZERO_VARIANCE', 'episode_rewards')).toBe(true);
    // The seven chaos events in a fixed loop.
    const loop = group('chaos').findings.find((f) => f.code === 'IDENTICAL_SEQUENCE' && f.evidence.cycle);
    expect(loop?.evidence.cycle).toHaveLength(7);
    expect(loop?.evidence.repeats).toBe(38);

    const text = cli(['audit', ...STUBBED]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/PINNED_AT_BOUND peak_pressure: .*100%/);
    expect(text.stdout).toMatch(/numbers: \{"value":4,/);
    expect(text.stdout).toMatch(/audit FAILED: \d+ finding/);
  });

  it('passes three honestly varying runs (with noise, CRLF, colour and a cut-off run) with exit 0', () => {
    const r = cli(['audit', ...HONEST, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.findings).toBe(0);
    expect(doc.groups.map((g) => [g.suite, g.runs.length])).toEqual([
      ['memory', 3],
      ['learning', 3],
      ['chaos', 3],
    ]);
    expect(doc.skipped).toHaveLength(1);
    expect(doc.skipped[0]!.reason).toMatch(/cut off/);
  });

  it('passes freshly measured honest sessions too, not only the committed ones', async () => {
    const dir = tempDir('probe-lab-audit-');
    for (let i = 0; i < 3; i++)
      fs.writeFileSync(
        path.join(dir, `session-${i}.log`),
        addConsoleNoise(await honestSession(DEFAULT_HONEST)),
      );
    const r = cli(['audit', dir]);
    expect(r.stdout).toContain('audit passed');
    expect(r.status).toBe(0);
  });

  it('finds transcripts and results inside folders, and audits results v1 files', () => {
    const dir = tempDir('probe-lab-audit-');
    const run = path.join(dir, 'run-1');
    fs.mkdirSync(run);
    fs.copyFileSync(STUBBED[0]!, path.join(run, 'console.txt'));
    fs.copyFileSync(STUBBED[1]!, path.join(dir, 'console.log'));
    const results = (runId: string) => ({
      schema: 'probe-lab/results/v1',
      runId,
      planId: 'quick-concurrency',
      kind: 'probe',
      startedAt: '2026-11-30T10:00:00.000Z',
      endedAt: '2026-11-30T10:00:15.000Z',
      verdict: 'PASS',
      metrics: { pulse_latency: { unit: 'ms', count: 5, p50: 40, p99: 100, max: 100 } },
      counters: { oom_events: 4 },
      samples: { tes: [32767, 32767, 32767] },
    });
    fs.writeFileSync(path.join(run, 'a.results.json'), JSON.stringify(results('r1')));
    fs.writeFileSync(path.join(dir, 'b.results.json'), JSON.stringify(results('r2')));
    const r = cli(['audit', dir, '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.groups.map((g) => [g.suite, g.runs.length])).toEqual([
      ['plan quick-concurrency', 2],
      ['memory', 2],
      ['learning', 2],
      ['chaos', 2],
    ]);
    const plan = doc.groups[0]!;
    expect(plan.findings.some((f) => f.code === 'PINNED_AT_BOUND' && f.metric === 'samples.tes')).toBe(true);
  });

  it('refuses unreadable input with exit 2 and a coded error naming the file', () => {
    const dir = tempDir('probe-lab-audit-');
    const missing = path.join(dir, 'nope.txt');
    const r = cli(['audit', missing]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`AUDIT_UNREADABLE: ${missing}`);

    const prose = path.join(dir, 'notes.txt');
    fs.writeFileSync(prose, 'Nothing here is a stress test.\n');
    const p = cli(['audit', prose, '--json']);
    expect(p.status).toBe(2);
    expect(JSON.parse(p.stdout).error.code).toBe('AUDIT_UNREADABLE');
    expect(JSON.parse(p.stdout).error.message).toContain(prose);

    const badJson = path.join(dir, 'x.results.json');
    fs.writeFileSync(badJson, '{"schema":"nope"}');
    const j = cli(['audit', badJson]);
    expect(j.status).toBe(2);
    expect(j.stderr).toContain(badJson);

    const empty = tempDir('probe-lab-audit-empty-');
    expect(cli(['audit', empty]).status).toBe(2);
    expect(cli(['audit']).status).toBe(2);
    expect(cli(['audit', '--jsn', STUBBED[0]!]).stderr).toContain('--json');
  });
});
