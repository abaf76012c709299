import { describe, expect, it } from 'vitest';
import type { RunStreamEvent } from '../model/api';
import type { RunConclusion, RunMeta, RunOutput } from './output';
import type { ResourceSample, Snapshot } from '../model/evidence';
import { anomalyContexts } from '../reports/anomaly-context';
import { ResourceTally } from '../reports/resource-stats';
import { buildReportDocument } from '../reports/document';
import { reportSeries } from '../reports/html';
import { Recorder, SNAPSHOTS_HELD, SNAPSHOTS_WHOLE } from './recorder';

const meta = {} as RunMeta;

function collecting(name: string, seen: RunStreamEvent[]): RunOutput {
  return { name, start: () => {}, add: (e) => void seen.push(e), stop: async () => {} };
}

describe('Recorder', () => {
  it('hands every output and listener the very same event, once', () => {
    const r = new Recorder('r1');
    const a: RunStreamEvent[] = [];
    const b: RunStreamEvent[] = [];
    const heard: RunStreamEvent[] = [];
    r.addOutput(collecting('a', a), meta);
    r.addOutput(collecting('b', b), meta);
    r.onDidRecord((e) => heard.push(e));
    r.event({ at: 1, kind: 'run', message: 'hello' });
    expect(a).toHaveLength(1);
    expect(b[0]).toBe(a[0]);
    expect(heard[0]).toBe(a[0]);
    expect(a[0]).toEqual({ type: 'event', runId: 'r1', event: { at: 1, kind: 'run', message: 'hello' } });
  });

  it('catches a throwing output, records it once as an anomaly and keeps feeding the others', async () => {
    const r = new Recorder('r1');
    const seen: RunStreamEvent[] = [];
    const broken: RunOutput = {
      name: 'broken',
      start: () => {},
      add: () => {
        throw new Error('EPIPE');
      },
      stop: () => Promise.reject(new Error('gone')),
    };
    r.addOutput(broken, meta);
    r.addOutput(collecting('ok', seen), meta);
    r.event({ at: 1, kind: 'run', message: 'one' });
    r.event({ at: 2, kind: 'run', message: 'two' });
    await r.stopOutputs({ recorded: r } as unknown as RunConclusion);
    expect(r.anomalies.filter((a) => a.code === 'OBSERVER_FAILED')).toHaveLength(1);
    expect(r.observerErrors.length).toBeGreaterThanOrEqual(3);
    expect(r.observerErrors.at(-1)).toContain('broken: Error: gone');
    expect(seen.filter((e) => e.type === 'event')).toHaveLength(2);
  });

  it("lets a required output fail the stop (the report is the run's product)", async () => {
    const r = new Recorder('r1');
    r.addOutput(
      { ...collecting('report', []), required: true, stop: () => Promise.reject(new Error('disk')) },
      meta,
    );
    await expect(r.stopOutputs({ recorded: r } as unknown as RunConclusion)).rejects.toThrow('disk');
  });
});

describe('Recorder memory over a long run', () => {
  const host = (at: number) => ({
    at,
    cpuPct: (at / 1000) % 97,
    ramPct: 40,
    gpuPct: null,
    memTotalKb: 1000,
    memAvailableKb: 600,
    load1: 0.5,
  });
  const snap = (k: number): Snapshot => ({
    seq: k + 1,
    slot: k,
    plannedAt: k * 1000,
    at: k * 1000 + 3,
    host: host(k * 1000),
    targets: [{ targetId: 'a', processes: 1, cpuPct: k % 7, rssKb: 1000 + k, threads: 1, openFiles: 3 }],
    states: [
      { targetId: 'a', state: 'running', pid: 10, exitCode: null, filesChanged: k % 5, outputBytes: k },
    ],
  });
  const cov = { cadenceMs: 1000, expected: 1, present: 1, pct: 100, missing: [] };

  it('keeps every snapshot time and count, and only the recent and reviewed ones whole', () => {
    const r = new Recorder('r1');
    const all: Snapshot[] = [];
    const anomalyAt = [50_500, 51_200, 1_700_500];
    for (let k = 0; k < SNAPSHOTS_WHOLE * 3; k++) {
      const s = snap(k);
      all.push(s);
      r.snapshot(s, cov);
      for (const at of anomalyAt)
        if (at >= s.at && at < s.at + 1000)
          r.anomaly({ at, code: 'PULSE_SKIPPED', severity: 'warning', message: `at ${at}` });
    }
    expect(r.snapshots).toHaveLength(all.length);
    expect(r.snapshots.map((s) => [s.seq, s.slot, s.plannedAt, s.at])).toEqual(
      all.map((s) => [s.seq, s.slot, s.plannedAt, s.at]),
    );
    expect(r.snapshotCount).toBe(all.length);
    expect(r.snapshotTimes()).toEqual(all.map((s) => s.at));
    const whole = r.snapshots.filter((s) => s.targets.length > 0);
    // The last SNAPSHOTS_WHOLE, and 50, 51 and 52 around the two early anomalies (the late one is recent).
    expect(whole).toHaveLength(SNAPSHOTS_WHOLE + 3);
    expect(whole.slice(0, 3).map((s) => s.slot)).toEqual([50, 51, 52]);
    expect(r.snapshots.slice(-SNAPSHOTS_WHOLE)).toEqual(all.slice(-SNAPSHOTS_WHOLE));
    // The review of every anomaly is what it would be with every snapshot whole.
    const input = { anomalies: r.anomalies, pulses: [], finalIntegrity: null };
    expect(anomalyContexts({ ...input, snapshots: [...r.snapshots] })).toEqual(
      anomalyContexts({ ...input, snapshots: all }),
    );
  });

  it('holds only the live window and the reviewed snapshots of a long run, with the same report', () => {
    const r = new Recorder('r1');
    const all: Snapshot[] = [];
    // Two early anomalies, one stamped after its recording's time (the first after it is held
    // already), and one in the window.
    const anomalies = [
      { recordAfter: 50, at: 50_500 },
      { recordAfter: 900, at: 700_200 },
      { recordAfter: 9_990, at: 9_980_400 },
    ];
    const n = SNAPSHOTS_HELD * 5;
    for (let k = 0; k < n; k++) {
      const s = snap(k);
      all.push(s);
      r.snapshot(s, cov);
      for (const a of anomalies)
        if (a.recordAfter === k)
          r.anomaly({ at: a.at, code: 'PULSE_SKIPPED', severity: 'warning', message: `at ${a.at}` });
    }
    expect(r.snapshotCount).toBe(n);
    expect(r.snapshotTimes()).toEqual(all.map((s) => s.at));
    expect(r.snapshots.length).toBeLessThan(SNAPSHOTS_HELD + 1000 + 10);
    // The live view's window is what it was with every snapshot held.
    expect(r.snapshots.slice(-SNAPSHOTS_HELD).map((s) => s.seq)).toEqual(
      all.slice(-SNAPSHOTS_HELD).map((s) => s.seq),
    );
    expect(r.snapshots.slice(-SNAPSHOTS_WHOLE)).toEqual(all.slice(-SNAPSHOTS_WHOLE));
    expect(r.snapshots.slice(0, 4).map((s) => s.slot)).toEqual([50, 51, 700, 701]);
    // The report reads the same from what is held as from every snapshot.
    const input = {
      outDir: '/x',
      runId: 'r1',
      runDir: '/x/r1',
      plan: {
        id: 'p',
        title: 't',
        kind: 'probe',
        snapshots: { cadenceSec: 1 },
        thresholds: { fileIo: {} },
        tes: {},
      },
      confirmation: { by: 'me', issuedAt: 0, planHash: 'h' },
      startedAt: 0,
      probeStartedAt: 0,
      endedAt: n * 1000,
      verdict: 'PASS',
      haltReason: null,
      thresholds: [],
      pulses: [],
      coverage: null,
      tes: [],
      drift: null,
      integrity: null,
      baseline: null,
      anomalies: r.anomalies,
      events: [],
      samples: [],
      targets: [],
      ledger: { file: 'l', records: 1, head: 'h' },
      ledgerFailure: null,
    } as unknown as Parameters<typeof buildReportDocument>[0];
    const held = {
      ...input,
      snapshots: [...r.snapshots],
      snapshotCount: r.snapshotCount,
      snapshotTimes: r.snapshotTimes(),
    };
    const whole = { ...input, snapshots: all };
    const doc = (i: typeof input) => {
      const d = buildReportDocument(i, 'key');
      return { ...d, plan: { ...d.plan, hash: '' } };
    };
    expect((doc(held).anomalyReview ?? []).map((c) => [c.before?.seq, c.after?.seq])).toEqual([
      [51, 52],
      [701, 702],
      [9981, 9982],
    ]);
    expect(doc(held)).toEqual(doc(whole));
    expect(reportSeries(held)).toEqual(reportSeries(whole));
  });

  it('tallies resource figures over every sample while holding the last hour', () => {
    const r = new Recorder('r1');
    const samples: ResourceSample[] = [];
    for (let k = 0; k < 5000; k++) {
      const s: ResourceSample = {
        at: k,
        host: host(k * 1000),
        targets: [
          { targetId: 'a', processes: 1, cpuPct: (k % 13) / 10, rssKb: 5000 - k, threads: 1, openFiles: 3 },
        ],
        engineCpuPct: (k % 31) / 10,
      };
      samples.push(s);
      r.sample(s);
    }
    expect(r.samples).toHaveLength(3600);
    expect(r.resources.summary()).toEqual(ResourceTally.of(samples).summary());
    expect(r.resources.summary().samples).toBe(5000);
    expect(r.resources.summary().targets[0]?.rssKb?.min).toBe(1);
  });

  it('holds a bounded tail of events', () => {
    const r = new Recorder('r1');
    for (let k = 0; k < 25_000; k++) r.event({ at: k, kind: 'agent.progress', message: String(k) });
    expect(r.events.length).toBeLessThanOrEqual(11_000);
    expect(r.events.at(-1)?.message).toBe('24999');
  });
});
