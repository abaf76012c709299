import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultsDoc } from '../scoring/results';
import { main } from './index';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-lab-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function doc(over: Partial<ResultsDoc> = {}): ResultsDoc {
  return {
    schema: 'probe-lab/results/v1',
    runId: 'run-1',
    planId: 'stress-memory',
    kind: 'stresstest',
    startedAt: '2025-11-10T14:23:45Z',
    endedAt: '2025-11-10T14:24:15Z',
    verdict: 'PASS',
    metrics: {
      'alloc.latency': {
        unit: 'us',
        count: 1000,
        min: 40,
        p50: 900,
        p95: 3000,
        p99: 4200,
        p999: 9000,
        max: 12000,
        mean: 1100,
      },
      'memory.peak_pressure': { unit: '%', value: 87 },
    },
    counters: { oom_events: 3, compaction_triggers: 12 },
    ...over,
  };
}

function write(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['check', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('probe-lab check', () => {
  it('exits 0 when every threshold holds (seed 002 gate: p99 under 5 ms, at most 10 OOM events)', async () => {
    const r = await run([write('r.json', doc()), '--max-p99-ms', '5', '--max-oom-events', '10']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('alloc.latency  p(99)<=5000  actual 4200 us');
    expect(r.out).toContain('check passed: 2 threshold(s)');
  });

  it('exits 1 and names each failed threshold with its metric, expression and actual value', async () => {
    const r = await run([
      write('r.json', doc()),
      '--max-p99-ms',
      '4',
      '--max-oom-events=2',
      '--threshold',
      'memory.peak_pressure:value<90',
      '--threshold',
      'alloc.latency:p(99.9)<5000',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FAIL  alloc.latency  p(99)<=4000  actual 4200 us  [--max-p99-ms]');
    expect(r.err).toContain('FAIL  oom_events  value<=2  actual 3  [--max-oom-events]');
    expect(r.err).toContain('FAIL  alloc.latency  p(99.9)<5000  actual 9000 us');
    expect(r.out).toContain('ok    memory.peak_pressure  value<90  actual 87 %');
    expect(r.out).toContain('check FAILED: 3 of 4');
  });

  it('reads a k6-style thresholds file and fails a threshold on a metric the results lack', async () => {
    const file = write('t.json', {
      thresholds: { 'alloc.latency': ['p(95)<5000', 'count>=100'], 'net.rtt': 'p(99)<10' },
    });
    const r = await run([write('r.json', doc()), '--thresholds', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FAIL  net.rtt  p(99)<10  no value (metric not found in the results)');
    expect(r.out).toContain('ok    alloc.latency  count>=100  actual 1000 us');
  });

  it('fails --max-oom-events when the results carry no OOM counter at all', async () => {
    const r = await run([write('r.json', doc({ counters: {} })), '--max-oom-events', '10']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no OOM counter in the results');
  });

  it('prints machine-readable outcomes with --json', async () => {
    const r = await run([write('r.json', doc()), '--threshold', 'oom_events:value==3', '--json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as { ok: boolean; outcomes: { metric: string; actual: number }[] };
    expect(parsed.ok).toBe(true);
    expect(parsed.outcomes[0]).toMatchObject({ metric: 'oom_events', actual: 3 });
  });

  it.each([
    ['no arguments', () => [], 'USAGE'],
    ['no thresholds', () => [write('r.json', doc())], 'USAGE'],
    ['a missing file', () => [join(dir, 'nope.json'), '--max-p99-ms', '5'], 'RESULTS_INVALID'],
    ['broken JSON', () => [write('r.json', '{"schema":'), '--max-p99-ms', '5'], 'RESULTS_INVALID'],
    [
      'a document of another version',
      () => [write('r.json', { ...doc(), schema: 'probe-lab/results/v0' }), '--max-p99-ms', '5'],
      'RESULTS_INVALID',
    ],
    [
      'a bad expression',
      () => [write('r.json', doc()), '--threshold', 'alloc.latency:p99<5'],
      'THRESHOLD_EXPR_INVALID',
    ],
    [
      'a threshold without a metric',
      () => [write('r.json', doc()), '--threshold', 'p(99)<5'],
      'THRESHOLD_EXPR_INVALID',
    ],
    ['a non-numeric limit', () => [write('r.json', doc()), '--max-p99-ms', 'fast'], 'USAGE'],
    ['an unknown option', () => [write('r.json', doc()), '--max-p98-ms', '5'], 'USAGE'],
    [
      'a malformed thresholds file',
      () => [write('r.json', doc()), '--thresholds', write('t.json', { x: 5 })],
      'USAGE',
    ],
  ])('exits 2 with a coded error on %s', async (_label, argv, code) => {
    const r = await run(argv());
    expect(r.code).toBe(2);
    expect(r.err).toContain(`probe-lab: ${code}:`);
  });

  it('lists every schema problem of an invalid document', async () => {
    const bad = { ...doc(), verdict: 'GREEN', counters: { oom_events: 'many' } };
    const r = await run([write('r.json', bad), '--max-oom-events', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('- verdict:');
    expect(r.err).toContain('- counters.oom_events:');
  });
});

describe('probe-lab check --threshold on a mistyped metric', () => {
  it('refuses it with exit 2 and names the metric the results do have', async () => {
    const r = await run([write('r.json', doc()), '--threshold', 'oom_event:value<=10']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('probe-lab: METRIC_NOT_FOUND:');
    expect(r.err).toContain('"oom_event": did you mean oom_events?');
  });

  it('gives the same refusal as JSON on stdout with --json', async () => {
    const r = await run([write('r.json', doc()), '--threshold', 'alloc.latncy:p(99)<5000', '--json']);
    expect(r.code).toBe(2);
    const parsed = JSON.parse(r.out) as { error: { code: string; issues: { message: string }[] } };
    expect(parsed.error.code).toBe('METRIC_NOT_FOUND');
    expect(parsed.error.issues[0]?.message).toContain('did you mean alloc.latency?');
  });

  it('keeps the repeated --threshold values in order', async () => {
    const r = await run([
      write('r.json', doc()),
      '--threshold',
      'oom_events:value==3',
      '--threshold=compaction_triggers:value==12',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/oom_events[\s\S]*compaction_triggers/);
  });
});
