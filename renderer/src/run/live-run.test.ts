import { describe, expect, it } from 'vitest';
import type { RunStreamEvent } from '../../../preload/contract';
import { MAX_SAMPLES, MAX_SNAPSHOTS, foldRunEvent, foldRunEvents, fromRunState } from './live-run';
import { RUN_ID, pulse, runState, sample, snapshot, tes } from './test-fixtures';

const start = () => fromRunState(runState());

describe('foldRunEvents', () => {
  it('appends pulses in order and keeps one per seq when a late joiner sees one twice', () => {
    const s0 = fromRunState(runState({ pulses: [pulse(1), pulse(2)] }));
    const s1 = foldRunEvents(s0, [
      { type: 'pulse', runId: RUN_ID, pulse: pulse(2, { latencyMs: 4000, latencyClass: 'warning' }) },
      { type: 'pulse', runId: RUN_ID, pulse: pulse(3) },
    ]);
    expect(s1.pulses.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(s1.pulses[1]?.latencyClass).toBe('warning');
  });

  it('inserts an out-of-order pulse at its place', () => {
    const s = foldRunEvents(
      start(),
      [3, 1, 2].map((seq): RunStreamEvent => ({ type: 'pulse', runId: RUN_ID, pulse: pulse(seq) })),
    );
    expect(s.pulses.map((p) => p.seq)).toEqual([1, 2, 3]);
  });

  it('ignores events of another run and returns the same object', () => {
    const s0 = start();
    expect(foldRunEvent(s0, { type: 'pulse', runId: 'other', pulse: pulse(1) })).toBe(s0);
  });

  it('does not mutate the state it was given', () => {
    const s0 = start();
    const frozenPulses = s0.pulses;
    foldRunEvent(s0, { type: 'pulse', runId: RUN_ID, pulse: pulse(1) });
    expect(frozenPulses).toHaveLength(0);
    expect(s0.pulses).toBe(frozenPulses);
  });

  it('keeps a moving window of samples and drops samples not newer than the last', () => {
    let s = start();
    const events: RunStreamEvent[] = [];
    for (let i = 1; i <= MAX_SAMPLES + 500; i++)
      events.push({ type: 'sample', runId: RUN_ID, sample: sample(i) });
    events.push({ type: 'sample', runId: RUN_ID, sample: sample(5) });
    s = foldRunEvents(s, events);
    expect(s.samples).toHaveLength(MAX_SAMPLES);
    expect(s.samples[0]?.at).toBe(501);
    expect(s.samples[s.samples.length - 1]?.at).toBe(MAX_SAMPLES + 500);
  });

  it('trims a huge initial state to the window', () => {
    const samples = Array.from({ length: 86_400 }, (_, i) => sample(i + 1));
    expect(fromRunState(runState({ samples })).samples).toHaveLength(MAX_SAMPLES);
  });

  it('keeps the latest window of snapshots, as runs.state sends them (a 24 h run has 86,400)', () => {
    let s = start();
    const coverage = {
      cadenceMs: 1000,
      expected: MAX_SNAPSHOTS + 10,
      present: MAX_SNAPSHOTS + 10,
      pct: 100,
      missing: [],
    };
    const events: RunStreamEvent[] = [];
    for (let i = 1; i <= MAX_SNAPSHOTS + 10; i++)
      events.push({ type: 'snapshot', runId: RUN_ID, snapshot: snapshot(i), coverage });
    s = foldRunEvents(s, events);
    expect(s.snapshots).toHaveLength(MAX_SNAPSHOTS);
    expect(s.snapshots[0]?.seq).toBe(11);
  });

  it('replaces coverage with each snapshot and keys snapshots by seq', () => {
    const coverage = {
      cadenceMs: 1000,
      expected: 3,
      present: 2,
      pct: 66.7,
      missing: [{ from: 1, to: 2, gapMs: 2000, missingSlots: 1 }],
    };
    const s = foldRunEvents(start(), [
      { type: 'snapshot', runId: RUN_ID, snapshot: snapshot(1), coverage },
      { type: 'snapshot', runId: RUN_ID, snapshot: snapshot(1), coverage },
    ]);
    expect(s.snapshots).toHaveLength(1);
    expect(s.coverage).toBe(coverage);
  });

  it('merges TES by subject', () => {
    let s = foldRunEvent(start(), {
      type: 'tes',
      runId: RUN_ID,
      tes: [tes('probe', 99), tes('agent-1', 97)],
    });
    s = foldRunEvent(s, { type: 'tes', runId: RUN_ID, tes: [tes('agent-1', 80)] });
    expect(s.tes.map((t) => [t.subject, t.score])).toEqual([
      ['probe', 99],
      ['agent-1', 80],
    ]);
  });

  it('keeps the newest integrity check, whether from a pulse or its own event', () => {
    const check = (at: number, ok: boolean) => ({
      at,
      governanceHash: 'a',
      baselineGovernanceHash: 'a',
      sentinels: [],
      changed: ok ? [] : ['x'],
      findings: [],
      labWorkMs: 1,
      ok,
    });
    let s = foldRunEvent(start(), { type: 'integrity', runId: RUN_ID, integrity: check(10, true) });
    s = foldRunEvent(s, { type: 'pulse', runId: RUN_ID, pulse: pulse(1, { integrity: check(20, false) }) });
    s = foldRunEvent(s, { type: 'integrity', runId: RUN_ID, integrity: check(15, true) });
    expect(s.integrity?.at).toBe(20);
    expect(s.integrity?.ok).toBe(false);
  });

  it('de-duplicates events and anomalies a late joiner already has', () => {
    const event = { at: 5, kind: 'start', message: 'started' };
    const anomaly = { at: 6, code: 'PULSE_LATE' as const, severity: 'warning' as const, message: 'late' };
    const s0 = fromRunState(runState({ events: [event], anomalies: [anomaly] }));
    const s = foldRunEvents(s0, [
      { type: 'event', runId: RUN_ID, event },
      { type: 'anomaly', runId: RUN_ID, anomaly },
      { type: 'event', runId: RUN_ID, event: { ...event, at: 7 } },
    ]);
    expect(s.events).toHaveLength(2);
    expect(s.anomalies).toHaveLength(1);
  });

  it('updates targets by id', () => {
    const t = (targetId: string, state: 'running' | 'exited') => ({
      targetId,
      state,
      pid: 1,
      exitCode: null,
      filesChanged: 0,
      outputBytes: 0,
    });
    let s = foldRunEvent(start(), {
      type: 'targets',
      runId: RUN_ID,
      targets: [t('a', 'running'), t('b', 'running')],
    });
    s = foldRunEvent(s, { type: 'targets', runId: RUN_ID, targets: [t('b', 'exited')] });
    expect(s.targets.map((x) => `${x.targetId}:${x.state}`)).toEqual(['a:running', 'b:exited']);
  });

  it('takes the final summary and threshold results from the end event', () => {
    const s0 = start();
    const run = {
      ...s0.run,
      status: 'ended' as const,
      endedAt: 2_000_000,
      verdict: 'PASS' as const,
      reportPath: '/r/x.md',
    };
    const s = foldRunEvent(s0, {
      type: 'end',
      runId: RUN_ID,
      run,
      thresholds: [{ name: 'pulse', ok: true, actual: '1 s', expected: '< 3 s' }],
    });
    expect(s.run.verdict).toBe('PASS');
    expect(s.run.status).toBe('ended');
    expect(s.thresholdResults).toHaveLength(1);
  });
});
