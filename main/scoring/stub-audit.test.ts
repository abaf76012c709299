import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZERO_VARIANCE_ALPHA, constantMetrics, jointChance } from './audit-chance';
import type { ResultsDoc } from './results';
import {
  auditRuns,
  compareSidesAsRuns,
  parseStresstestOutput,
  resultsToAuditRun,
  toAuditRun,
  type AuditFinding,
  type AuditRun,
  type StresstestOutput,
} from './stub-audit';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/seed002/', import.meta.url));

function load(name: string): StresstestOutput {
  const r = parseStresstestOutput(readFileSync(`${FIXTURES}${name}.txt`, 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

function has(findings: AuditFinding[], code: AuditFinding['code'], metric: string): boolean {
  return findings.some((f) => f.code === code && f.metric === metric);
}

describe('parseStresstestOutput', () => {
  it('reads the Appendix A memory run: header as config, results as metrics, the panic and status', () => {
    const m = load('baseline-memory');
    expect(m.kind).toBe('memory');
    expect(m.durationMs).toBe(10000);
    expect(m.config.target_pressure).toBe(85);
    expect(m.metrics).toEqual({ peak_pressure: 100, oom_events: 4, compaction_triggers: 0 });
    expect(m.units.peak_pressure).toBe('%');
    expect(m.status).toBe('PASS');
    expect(m.panics).toEqual(['PANIC: Memory pressure critical (100 > 98)']);
  });

  it('expands the baseline chaos loop "(repeats 38x)" into 38 cycles of the 7 printed events', () => {
    const c = load('baseline-chaos');
    expect(c.kind).toBe('chaos');
    expect(c.eventRepeats).toBe(38);
    expect(c.events).toHaveLength(7 * 38);
    expect(c.events.slice(0, 2).map((e) => e.name)).toEqual(['Telemetry storm', 'Command burst']);
    expect(c.metrics).toEqual({ chaos_events: 265, recoveries: 74 });
  });

  it('reads enhanced chaos events with outcome, recovery time and failure reason', () => {
    const c = load('enhanced-chaos');
    const first = c.events[0]!;
    expect(first).toEqual({
      index: 1,
      name: 'Memory spike',
      detail: '7 MB',
      outcome: 'recovered',
      recoveryMs: 156,
      reason: null,
    });
    const fourth = c.events[3]!;
    expect(fourth.outcome).toBe('failed');
    expect(fourth.reason).toBe('timeout after 5000 ms');
    expect(c.events.find((e) => e.index === 5)?.recoveryMs).toBe(2310);
    expect(c.metrics['recovery_time_percentiles.p95']).toBe(2100);
    expect(c.metrics.failed_recoveries).toBe(13);
    expect(c.status).toBe('PARTIAL PASS');
  });

  it('splits a compare into its DISABLED and ENABLED sides and the off/on table', () => {
    const c = load('baseline-compare-memory');
    expect(c.kind).toBe('compare');
    expect(c.subject).toBe('memory');
    expect(c.sides?.off.metrics).toEqual({ peak_pressure: 100, oom_events: 4, compaction_triggers: 0 });
    expect(c.comparison?.off).toEqual({ peak_pressure: 100, oom_events: 4, duration_ms: 10001 });
    const multi = load('enhanced-compare-multi');
    expect(multi.sides?.off.kind).toBe('multi');
    expect(multi.sides?.on.metrics['log.memory_pressure']).toEqual([65, 73, 71, 68]);
    expect(multi.comparison?.on.ai_interventions).toBe(18);
  });

  it('reads thousands separators and the learning curve of Appendix B', () => {
    const l = load('enhanced-learning');
    expect(l.metrics.total_rewards).toBe(10704);
    expect(l.metrics.episode_rewards).toHaveLength(20);
    expect(l.metrics['learning_curve.episodes_0_5']).toBe(239);
  });

  it('never throws on arbitrary text: a result or a STRESSTEST_PARSE error', () => {
    const lines = fc.constantFrom(
      '[CHAOS] Event #3: x (1 MB) → FAILED (oom)',
      '  - a: 4',
      'Status: PASS (always)',
      'Episode 2-1: reward=5',
      '(repeats 0x)',
      'p99: 1,2,3 ms',
      '[COMPARE] Running with autonomy DISABLED...',
      ' : 5',
    );
    const text = fc.array(fc.oneof(fc.string(), lines), { maxLength: 30 }).map((xs) => xs.join('\n'));
    fc.assert(
      fc.property(text, (t) => {
        const r = parseStresstestOutput(t);
        if (!r.ok) expect(r.error.code).toBe('STRESSTEST_PARSE');
        else expect(() => auditRuns([toAuditRun(r.value, 'fuzz')])).not.toThrow();
      }),
    );
  });

  it('caps the expansion of a hostile "(repeats Nx)"', () => {
    const r = parseStresstestOutput('[CHAOS] a\n[CHAOS] b\n(repeats 4000000000x)');
    expect(r.ok && r.value.events.length).toBe(100_000);
    expect(r.ok && r.value.eventRepeats).toBe(4_000_000_000);
  });

  it('gives a coded error for empty text, text with nothing recognisable, and a one-sided compare', () => {
    for (const bad of [
      '',
      '   \n',
      'hello world\nno metrics here',
      '[COMPARE] Running with autonomy ENABLED...\nPeak Pressure: 5%',
    ]) {
      const r = parseStresstestOutput(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('STRESSTEST_PARSE');
    }
  });
});

describe('auditRuns on seed 002 (Appendix A and the Current Behavior blocks)', () => {
  it('memory: 100% pressure, exactly 4 OOM and 0 compaction across runs, and PASS after a panic', () => {
    const compare = load('baseline-compare-memory');
    const runs = [
      toAuditRun(load('baseline-memory'), 'memory'),
      ...compareSidesAsRuns(compare, 'compare memory'),
    ];
    expect(runs).toHaveLength(3);
    const f = auditRuns(runs);
    expect(has(f, 'ZERO_VARIANCE', 'peak_pressure')).toBe(true);
    expect(has(f, 'ZERO_VARIANCE', 'oom_events')).toBe(true);
    expect(has(f, 'ZERO_VARIANCE', 'compaction_triggers')).toBe(true);
    expect(has(f, 'PINNED_AT_BOUND', 'peak_pressure')).toBe(true);
    expect(has(f, 'STATUS_CONTRADICTION', 'status')).toBe(true);
    const summary = auditRuns([toAuditRun(load('memory-current-behavior'), 'memory (always)')]);
    for (const m of ['peak_pressure', 'oom_events', 'compaction_triggers'])
      expect(has(summary, 'ZERO_VARIANCE', m)).toBe(true);
  });

  it('commands: exactly 500 for 10 s x 50/s is flagged as synthetic', () => {
    for (const name of ['commands', 'commands-current-behavior']) {
      const f = auditRuns([toAuditRun(load(name), name)]);
      const hit = f.find((x) => x.code === 'NOT_SCALING_WITH_DURATION' && x.metric === 'commands_sent');
      expect(hit?.evidence).toMatchObject({ value: 500, ratePerSec: 50, durationMs: 10000 });
    }
  });

  it('multi: actions always 999 and pressure always 100%', () => {
    const f = auditRuns([toAuditRun(load('multi-current-behavior'), 'multi')]);
    expect(has(f, 'PINNED_AT_BOUND', 'actions')).toBe(true);
    expect(has(f, 'ZERO_VARIANCE', 'actions')).toBe(true);
    expect(has(f, 'PINNED_AT_BOUND', 'peak_pressure')).toBe(true);
  });

  it('learning: rewards pinned at i16 max, identical episodes, and 327670 / 102322 != 3', () => {
    for (const name of ['baseline-learning', 'learning-current-behavior']) {
      const f = auditRuns([toAuditRun(load(name), name)]);
      const pin = f.find((x) => x.code === 'PINNED_AT_BOUND' && x.metric === 'episode_rewards');
      expect(pin?.evidence).toMatchObject({ bound: 'i16 max', value: 32767 });
      expect(pin?.severity).toBe('critical');
      expect(has(f, 'ZERO_VARIANCE', 'episode_rewards')).toBe(true);
      const mismatch = f.find((x) => x.code === 'ARITHMETIC_MISMATCH' && x.metric === 'avg_reward_decision');
      expect(mismatch?.evidence.declared).toBe(3);
      expect(mismatch?.evidence.computed).toBeCloseTo(327670 / 102322, 9);
    }
  });

  it('redteam: ~398 attacks survived with no failure ever', () => {
    const f = auditRuns([toAuditRun(load('redteam-current-behavior'), 'redteam')]);
    expect(has(f, 'NO_FAILURES', 'attacks_survived')).toBe(true);
    expect(has(f, 'ZERO_VARIANCE', 'status')).toBe(true);
  });

  it('chaos: the same 7 events in the same order, and 74 recoveries with no failures', () => {
    for (const name of ['baseline-chaos', 'chaos-current-behavior']) {
      const f = auditRuns([toAuditRun(load(name), name)]);
      const seq = f.find((x) => x.code === 'IDENTICAL_SEQUENCE');
      expect(seq?.evidence).toMatchObject({ repeats: 38 });
      expect((seq?.evidence.cycle as string[]).length).toBe(7);
      expect(has(f, 'NO_FAILURES', 'recoveries')).toBe(true);
    }
  });

  it('compare: autonomy on and off identical', () => {
    for (const name of ['baseline-compare-memory', 'compare-current-behavior']) {
      const f = auditRuns([toAuditRun(load(name), name)]);
      expect(has(f, 'COMPARE_NO_DIFFERENCE', '*')).toBe(true);
    }
  });
});

describe('auditRuns on the enhanced outputs (Appendix B, Phases 2-4)', () => {
  const enhanced = [
    'enhanced-memory',
    'enhanced-learning',
    'enhanced-chaos',
    'enhanced-chaos-phase3',
    'enhanced-compare-multi',
    'enhanced-compare-summary',
    'enhanced-report-memory',
  ];

  it('raises no ZERO_VARIANCE, PINNED, IDENTICAL_SEQUENCE, NO_FAILURES or COMPARE_NO_DIFFERENCE where values vary', () => {
    const quiet = new Set([
      'ZERO_VARIANCE',
      'PINNED_AT_BOUND',
      'IDENTICAL_SEQUENCE',
      'NO_FAILURES',
      'COMPARE_NO_DIFFERENCE',
      'NOT_SCALING_WITH_DURATION',
    ]);
    for (const name of enhanced) {
      const out = load(name);
      const f = auditRuns([toAuditRun(out, name)]).filter((x) => quiet.has(x.code));
      expect(f, name).toEqual([]);
    }
    const sides = compareSidesAsRuns(load('enhanced-compare-multi'), 'multi');
    expect(auditRuns(sides).filter((x) => quiet.has(x.code))).toEqual([]);
  });

  it('checks the declared arithmetic: chaos totals and memory sums hold', () => {
    for (const name of [
      'enhanced-chaos',
      'enhanced-chaos-phase3',
      'enhanced-memory',
      'enhanced-compare-summary',
      'enhanced-report-memory',
    ]) {
      const run = toAuditRun(load(name), name);
      expect(run.relations?.length, name).toBeGreaterThan(0);
      expect(
        auditRuns([run]).filter((x) => x.code === 'ARITHMETIC_MISMATCH'),
        name,
      ).toEqual([]);
    }
  });

  it("catches the seed's own expected learning output not adding up (episodes sum to 11,204, not 10,704)", () => {
    const f = auditRuns([toAuditRun(load('enhanced-learning'), 'learning')]);
    const total = f.find((x) => x.code === 'ARITHMETIC_MISMATCH' && x.metric === 'total_rewards');
    expect(total?.evidence).toMatchObject({ declared: 10704, computed: 11204 });
    expect(has(f, 'ARITHMETIC_MISMATCH', 'learning_curve.episodes_0_5')).toBe(true);
    expect(has(f, 'ARITHMETIC_MISMATCH', 'learning_curve.episodes_11_19')).toBe(false);
    expect(has(f, 'ARITHMETIC_MISMATCH', 'avg_reward_decision')).toBe(false);
  });
});

describe('auditRuns on hand-built runs', () => {
  const base = (
    label: string,
    durationMs: number,
    metrics: AuditRun['metrics'],
    extra: Partial<AuditRun> = {},
  ): AuditRun => ({ label, durationMs, metrics, ...extra });

  it('flags a counter that stays the same when the duration changes, not one that grows', () => {
    const f = auditRuns([
      base('a', 10_000, { actions: 999, ops: 480 }),
      base('b', 20_000, { actions: 999, ops: 1012 }),
      base('c', 30_000, { actions: 999, ops: 1530 }),
    ]);
    expect(has(f, 'NOT_SCALING_WITH_DURATION', 'actions')).toBe(true);
    expect(has(f, 'NOT_SCALING_WITH_DURATION', 'ops')).toBe(false);
    expect(has(f, 'ZERO_VARIANCE', 'ops')).toBe(false);
  });

  it('flags a declared max being reached and a total that is not the sum of its parts', () => {
    const f = auditRuns([
      base(
        'a',
        1000,
        { queue: 64, total: 10, ok: 6, failed: 3 },
        { bounds: { queue: 64 }, relations: [{ kind: 'sum', metric: 'total', parts: ['ok', 'failed'] }] },
      ),
    ]);
    expect(has(f, 'PINNED_AT_BOUND', 'queue')).toBe(true);
    expect(f.find((x) => x.code === 'ARITHMETIC_MISMATCH')?.evidence).toMatchObject({
      declared: 10,
      computed: 9,
    });
  });

  it('flags identical event sequences across runs even when each run alone is not periodic', () => {
    const events = ['spike', 'burst', 'stall', 'flip', 'release'];
    const f = auditRuns([base('a', 1, {}, { events }), base('b', 1, {}, { events: [...events] })]);
    expect(f.filter((x) => x.code === 'IDENTICAL_SEQUENCE')).toHaveLength(1);
    const g = auditRuns([base('a', 1, {}, { events }), base('b', 1, {}, { events: [...events].reverse() })]);
    expect(g.some((x) => x.code === 'IDENTICAL_SEQUENCE')).toBe(false);
  });

  it('flags a 100% success rate over many events, but not over a handful or with failures present', () => {
    const many = auditRuns([
      base('a', 1, { success_rate: 100, events: 250 }, { units: { success_rate: '%' } }),
    ]);
    expect(has(many, 'NO_FAILURES', 'success_rate')).toBe(true);
    const few = auditRuns([base('a', 1, { success_rate: 100, events: 5 }, { units: { success_rate: '%' } })]);
    expect(few.some((x) => x.code === 'NO_FAILURES')).toBe(false);
    const failing = auditRuns([base('a', 1, { recoveries: 90, failures: 4 })]);
    expect(failing.some((x) => x.code === 'NO_FAILURES')).toBe(false);
  });
});

describe('coincidence: small counts repeat honestly', () => {
  const base = (
    label: string,
    durationMs: number,
    metrics: AuditRun['metrics'],
    extra: Partial<AuditRun> = {},
  ): AuditRun => ({ label, durationMs, metrics, ...extra });
  it('does not call two or three runs with the same small count a stub, but does when many metrics agree', () => {
    const honest = auditRuns([
      base('a', 10_000, { oom_events: 2, compaction_triggers: 2, peak_pressure: 91 }),
      base('b', 10_000, { oom_events: 2, compaction_triggers: 2, peak_pressure: 88 }),
      base('c', 10_000, { oom_events: 2, compaction_triggers: 2, peak_pressure: 94 }),
    ]);
    expect(honest.filter((f) => f.code === 'ZERO_VARIANCE')).toEqual([]);
    const stub = auditRuns(
      ['a', 'b', 'c'].map((l) =>
        base(
          l,
          10_000,
          { oom_events: 4, compaction_triggers: 0, peak_pressure: 100 },
          { units: { peak_pressure: '%' } },
        ),
      ),
    );
    for (const m of ['oom_events', 'compaction_triggers', 'peak_pressure'])
      expect(has(stub, 'ZERO_VARIANCE', m)).toBe(true);
    // One quantity printed three times (OOM events = compactions = OOM log lines), one each run.
    const twice = auditRuns(
      [91, 93, 90, 88].map((p, i) =>
        base(`t${i}`, 10_000, {
          oom_events: 1,
          compaction_triggers: 1,
          'log.oom_events': 1,
          peak_pressure: p,
        }),
      ),
    );
    expect(twice.filter((x) => x.code === 'ZERO_VARIANCE')).toEqual([]);
    const f = stub.find((x) => x.metric === 'oom_events')!;
    // Found by the honest generator: a whole number of MB recovered is a measure, not 222 successes.
    const mb = auditRuns([
      base('m', 10_000, { memory_recovered: 222, oom_events: 3 }, { units: { memory_recovered: 'MB' } }),
    ]);
    expect(mb).toEqual([]);
    expect(f.evidence.jointChanceIfHonest).toBeLessThan(1e-4);
  });
});

describe('a flawless record against a declared failure rate', () => {
  const chaos = (events: number): AuditRun => ({
    label: `chaos-${events}`,
    metrics: {
      total_events: events,
      successful_recoveries: events,
      failed_recoveries: 0,
      recovery_success_rate: 100,
    },
    units: { recovery_success_rate: '%' },
    declaredFailRatePct: 15,
  });
  it('takes 32 flawless events at 15% for luck (0.5%), 60 for a stub (0.006%), and never calls a 100% success rate pinned', () => {
    expect(auditRuns([chaos(32)])).toEqual([]);
    const f = auditRuns([chaos(60)]);
    expect(has(f, 'NO_FAILURES', 'successful_recoveries')).toBe(true);
    expect(has(f, 'NO_FAILURES', 'recovery_success_rate')).toBe(true);
    expect(f.some((x) => x.code === 'PINNED_AT_BOUND')).toBe(false);
  });
});

describe('values at a type maximum', () => {
  it('takes one honest 32767 among many rewards for chance, two for a clamp', () => {
    const rewards = [812, 32767, 1204, 977, 1533];
    expect(auditRuns([{ label: 'a', metrics: { episode_rewards: rewards } }])).toEqual([]);
    const clamped = auditRuns([{ label: 'a', metrics: { episode_rewards: [...rewards, 32767] } }]);
    expect(has(clamped, 'PINNED_AT_BOUND', 'episode_rewards')).toBe(true);
    const acrossRuns = auditRuns([
      { label: 'a', metrics: { actions: 999 } },
      { label: 'b', metrics: { actions: 999 } },
    ]);
    expect(has(acrossRuns, 'PINNED_AT_BOUND', 'actions')).toBe(true);
  });
});

describe('resultsToAuditRun', () => {
  function doc(runId: string, endedAt: string, p99: number, samples: number[], types: string[]): ResultsDoc {
    return {
      schema: 'probe-lab/results/v1',
      runId,
      planId: 'chaos-1',
      kind: 'chaos',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt,
      verdict: 'PASS',
      metrics: {
        'cmd.latency': { unit: 'ms', count: samples.length, p50: 2, p99 },
        pressure: { unit: '%', value: 100 },
      },
      counters: { actions: 999 },
      samples: { 'cmd.latency': samples },
      scenarios: types.map((type, i) => ({
        id: `S${i}`,
        type,
        wave: 1,
        outcome: 'recovered',
        recoveryMs: 10,
        methods: [],
      })),
    };
  }
  const loop = Array.from({ length: 30 }, (_, i) => ['storm', 'burst', 'spike'][i % 3]!);

  it('flags stubbed Probe Lab results the same way as seed 002 text', () => {
    const a = resultsToAuditRun(doc('a', '2026-01-01T00:00:10Z', 4, [2, 2, 2, 2], loop));
    const b = resultsToAuditRun(doc('b', '2026-01-01T00:00:20Z', 4, [2, 2, 2, 2], loop));
    expect(a.durationMs).toBe(10_000);
    const f = auditRuns([a, b]);
    expect(has(f, 'ZERO_VARIANCE', 'cmd.latency.p99')).toBe(true);
    expect(has(f, 'ZERO_VARIANCE', 'samples.cmd.latency')).toBe(true);
    expect(has(f, 'PINNED_AT_BOUND', 'pressure')).toBe(true);
    expect(has(f, 'PINNED_AT_BOUND', 'actions')).toBe(true);
    expect(has(f, 'NOT_SCALING_WITH_DURATION', 'actions')).toBe(true);
    expect(has(f, 'IDENTICAL_SEQUENCE', 'events')).toBe(true);
    expect(has(f, 'NO_FAILURES', 'scenarios.recovered')).toBe(true);
  });

  it('stays quiet on varied runs', () => {
    const a = doc('a', '2026-01-01T00:00:10Z', 4, [1.5, 2.25, 3.1, 2], ['storm', 'spike', 'burst', 'stall']);
    const b = doc(
      'b',
      '2026-01-01T00:00:20Z',
      5,
      [1.75, 2.5, 2.9, 1.8, 2.2],
      ['spike', 'stall', 'storm', 'burst'],
    );
    for (const d of [a, b]) {
      d.metrics.pressure = { unit: '%', value: d.runId === 'a' ? 88 : 91 };
      d.counters = { actions: d.runId === 'a' ? 480 : 1012 };
    }
    b.scenarios![1]!.outcome = 'failed';
    b.metrics['cmd.latency']!.p50 = 2.2;
    const f = auditRuns([resultsToAuditRun(a), resultsToAuditRun(b)]);
    expect(f).toEqual([]);
  });

  // Seen in CI: two honest quick-concurrency runs on a slow disk, whose file-I/O timings (whole
  // milliseconds, exported in microseconds) landed on 3 ms and 5 ms in both, were called stubs
  // because 3001 us was judged as 3001 steps of a microsecond clock.
  it('judges a repeat in the steps of the clock that took the samples', () => {
    const run = (id: string, io: number[]): ResultsDoc => ({
      schema: 'probe-lab/results/v1',
      runId: id,
      planId: 'quick-concurrency',
      kind: 'concurrency',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: id === 'a' ? '2026-01-01T00:00:13Z' : '2026-01-01T00:00:14Z',
      verdict: 'PASS',
      metrics: {
        file_io: {
          unit: 'us',
          count: io.length,
          min: 1000,
          p50: 3001,
          p95: 5000,
          p99: 5000,
          p999: 5000,
          max: 5000,
        },
        pulse_start_lag: { unit: 'us', count: 6, min: 0, p50: 0, max: 1000, mean: 500, resolution: 1000 },
        coverage: { unit: '% of slots', value: 100 },
        // An idle worker of the same program holds the same RSS to the page in both runs.
        'target_rss.worker-4': { unit: 'kB', count: 9, min: 28096, p50: 28096, max: 28096, mean: 28096 },
      },
      counters: { pulses_warning: 0, pulses_critical: 0, pulses_skipped: 0, anomalies: 0 },
      samples: { file_io: io },
    });
    // Four timings of 4 ms in one run are no more a stub than the same p50 in two.
    expect(auditRuns([resultsToAuditRun(run('c', [4000, 4000, 4000, 4000]))])).toEqual([]);
    const a = resultsToAuditRun(run('a', [1000, 3000, 3000, 5000, 2000, 4000]));
    const b = resultsToAuditRun(run('b', [3000, 1000, 5000, 3000, 4000, 3000]));
    expect(a.resolutions!['file_io.p50']).toBe(1000);
    expect(auditRuns([a, b])).toEqual([]);
    // The same values from a microsecond clock in three runs are a coincidence nobody believes
    // (in two, one repeating distribution among four metrics is judged against the four ways it
    // could have happened, and stays just above the line).
    const fine = (id: string, io: number[]) => {
      const d = run(id, io);
      d.metrics.file_io = {
        ...d.metrics.file_io!,
        min: 1013,
        p50: 3017,
        p95: 4987,
        p99: 4987,
        p999: 4987,
        max: 4987,
      };
      return resultsToAuditRun(d);
    };
    const stubbed = auditRuns([
      fine('a', [1013, 3017, 2871, 4987]),
      fine('b', [2204, 3017, 1013, 4987]),
      fine('e', [3017, 1013, 4987, 1544]),
    ]);
    expect(has(stubbed, 'ZERO_VARIANCE', 'file_io.p50')).toBe(true);
    const flat = auditRuns([fine('d', [4987, 4987, 4987, 4987])]);
    expect(has(flat, 'ZERO_VARIANCE', 'samples.file_io')).toBe(true);
  });
});

describe('metrics that follow from other metrics', () => {
  // Seen in CI: two honest 5-second lab-kernel chaos runs both drew 20 events with 3 injected
  // failures. Total, recovered, failed, rate and breakdown were judged five coincidences; the
  // output itself declares that four of them follow from the other two.
  const text = (seed: number, ms: number[]): string =>
    [
      '=== Chaos Engineering Stress Test ===',
      'Duration: 5000 ms',
      'Failure injection rate: 15%',
      `Seed: ${seed}`,
      ...ms.map((t, i) =>
        t < 0
          ? `[CHAOS] Event #${i + 1}: Sleep (40 ms) -> FAILED (deadline 1 ms missed after 41 ms)`
          : `[CHAOS] Event #${i + 1}: CPU burn (3000 iterations) -> Recovered (${t} ms)`,
      ),
      '[STRESS TEST] Chaos engineering complete',
      '  Total events: 20',
      '  Successful recoveries: 17',
      '  Failed recoveries: 3',
      '  Recovery success rate: 85.0%',
      `  Average recovery time: ${seed % 100} ms`,
      '  Recovery time percentiles:',
      `    p50: ${seed % 90} ms`,
      `    p95: ${seed % 300} ms`,
      `    p99: ${seed % 301} ms`,
      '  Failure breakdown:',
      '    - Injected deadline: 3 occurrences',
      '  Status: PARTIAL PASS',
    ].join('\n');
  const times = (k: number): number[] =>
    Array.from({ length: 20 }, (_, i) => ([3, 9, 14].includes(i) ? -1 : 30 + ((i * 37 + k * 11) % 170)));
  it('does not count a total, its parts and their rate as separate coincidences', () => {
    const runs = [text(1234567, times(1)), text(7654321, times(2))].map((t, i) => {
      const r = parseStresstestOutput(t);
      if (!r.ok) throw new Error(r.error.message);
      return toAuditRun(r.value, `run-${i}`);
    });
    expect(auditRuns(runs).filter((f) => f.code === 'ZERO_VARIANCE')).toEqual([]);
    // Judged without its relations, the same pair is five coincidences (chance about 3e-4); with
    // them, two (about 0.06).
    const constants = constantMetrics(runs);
    expect(jointChance(constants)).toBeLessThan(ZERO_VARIANCE_ALPHA);
    expect(jointChance(constants, runs[0]!.relations)).toBeGreaterThan(0.01);
  });
});

describe('agreement anywhere among many metrics', () => {
  // Seen under load: two honest lab-kernel red-team runs of ~100 attacks each where three of the
  // per-type counts came out the same (joint chance about 5e-4). Some three of a dozen counts
  // agreeing is far likelier than that: the audit judges k repeats against the C(m, k) ways k of
  // m metrics could have repeated.
  const run = (label: string, vary: number): AuditRun => ({
    label,
    metrics: {
      attacks_run: 103 + vary,
      attacks_survived: 101 + vary,
      'attacks_survived.arith': 25,
      'attacks_survived.printf': 31,
      'attacks_survived.proc': 17,
      'attacks_survived.numeric': 20 + vary,
      'attacks_survived.options': 8 + vary,
      attacks_failed: 2,
      mean_ms: 28.4 + vary / 10,
      max_ms: 190 + vary * 7,
    },
  });
  it('does not call three repeating counts among ten a stub, but does when nearly all repeat', () => {
    const honest = [run('a', 0), run('b', 3)];
    const constants = constantMetrics(honest);
    expect(jointChance(constants)).toBeLessThan(ZERO_VARIANCE_ALPHA);
    expect(auditRuns(honest).filter((f) => f.code === 'ZERO_VARIANCE')).toEqual([]);
    const stub = [run('a', 0), run('b', 0), run('c', 0)];
    expect(auditRuns(stub).some((f) => f.code === 'ZERO_VARIANCE' && f.metric === 'attacks_run')).toBe(true);
  });
});
