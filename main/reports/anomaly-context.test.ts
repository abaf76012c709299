import { describe, expect, it } from 'vitest';
import type { Anomaly, IntegrityCheck, Pulse, Snapshot } from '../model/evidence';
import { anomalyContexts, compareSnapshots } from './anomaly-context';
import { renderMarkdown } from './markdown';
import type { ReportDocument } from './document';

const host = (at: number, cpuPct: number) => ({
  at,
  cpuPct,
  ramPct: 10,
  gpuPct: null,
  memTotalKb: 100,
  memAvailableKb: 90,
  load1: 0.1,
});

function snap(seq: number, at: number, cpu: number, state: 'running' | 'exited', targets = ['a']): Snapshot {
  return {
    seq,
    slot: seq,
    plannedAt: at,
    at,
    host: host(at, cpu),
    targets: targets.map((id) => ({ targetId: id, processes: 1, cpuPct: 5, rssKb: 1000, threads: 1, openFiles: 3 })),
    states: targets.map((id) => ({
      targetId: id,
      state,
      pid: 1,
      exitCode: state === 'exited' ? 0 : null,
      filesChanged: 0,
      outputBytes: 10,
    })),
  };
}

const integrity = (at: number, ok: boolean): IntegrityCheck => ({
  at,
  governanceHash: ok ? 'a' : 'b',
  baselineGovernanceHash: 'a',
  sentinels: [],
  changed: ok ? [] : ['gov/policy.txt'],
  findings: [],
  labWorkMs: 1,
  ok,
});

function pulse(seq: number, startedAt: number, ok: boolean, latencyClass: Pulse['latencyClass'] = 'ok'): Pulse {
  return {
    seq,
    phase: 'during',
    burst: 1,
    plannedAt: startedAt,
    startedAt,
    completedAt: startedAt + 3,
    startLagMs: 0,
    latencyMs: 3,
    labWorkMs: 2,
    latencyClass,
    host: null,
    targets: [],
    tes: null,
    tesDelta: null,
    integrity: integrity(startedAt + 3, ok),
    status: ok ? 'GREEN' : 'RED',
    reasons: [],
  };
}

const anomaly = (at: number, code: Anomaly['code'] = 'INTEGRITY_CHANGED'): Anomaly => ({ at, code, severity: 'critical', message: 'm' });

describe('anomaly context (seed 000 §5)', () => {
  it('compares snapshots field by field, keyed by target, leaving times out', () => {
    const { changes, compared } = compareSnapshots(snap(1, 1000, 10, 'running'), snap(2, 2000, 80, 'exited', ['a', 'b']));
    expect(changes).toEqual(
      expect.arrayContaining([
        { field: 'host.cpuPct', before: 10, after: 80 },
        { field: 'states[a].state', before: 'running', after: 'exited' },
        { field: 'states[a].exitCode', before: null, after: 0 },
        { field: 'targets[b].rssKb', before: null, after: 1000 },
      ]),
    );
    expect(changes.some((c) => c.field.endsWith('.at'))).toBe(false);
    expect(compared).toBeGreaterThan(changes.length);
  });

  it('credits the pulse the anomaly was raised in, with its governance check, and the snapshots around it', () => {
    const pulses = [pulse(1, 1000, true), pulse(2, 2000, false), pulse(3, 3000, false)];
    const snaps = [snap(1, 1500, 10, 'running'), snap(2, 2500, 50, 'running')];
    // Raised 1 ms after pulse 2's completion stamp, during its lab work: pulse 2 caught it.
    const [a1, a2] = anomalyContexts({
      anomalies: [anomaly(2004), anomaly(2600, 'PULSE_LATE')],
      snapshots: snaps,
      pulses,
      finalIntegrity: integrity(4000, false),
    });
    expect(a1).toMatchObject({
      id: 'A1',
      caughtBy: { seq: 2 },
      governance: { pulseSeq: 2, ok: false, changed: ['gov/policy.txt'] },
      before: { seq: 1 },
      after: { seq: 2 },
    });
    expect(a1?.changes).toContainEqual({ field: 'host.cpuPct', before: 10, after: 50 });
    expect(a2).toMatchObject({ id: 'A2', caughtBy: { seq: 3 }, before: { seq: 2 }, after: null, changes: [] });
  });

  it('renders each anomaly with its id, target-chosen text escaped', () => {
    const ctx = anomalyContexts({
      anomalies: [anomaly(2004, '# evil|code' as Anomaly['code'] /* closed enum in the engine; the renderer escapes anyway */)],
      snapshots: [snap(1, 1500, 10, 'running', ['t|<b>']), snap(2, 2500, 50, 'running', ['t|<b>'])],
      pulses: [pulse(2, 2000, true)],
      finalIntegrity: null,
    });
    const doc = {
      plan: { title: 't', id: 'p', kind: 'k', hash: 'h' },
      runId: 'r',
      confirmation: { by: 'x', issuedAt: 0 },
      startedAt: 0,
      endedAt: 1,
      durationMs: 1,
      verdict: 'FAIL',
      haltReason: null,
      ledger: { file: 'l', records: 1, head: 'h' },
      checklist: { pulseBefore: true, burstsDuring: 1, compliancePulseAfter: true, tesRecalculated: true },
      thresholds: [],
      pulses: { count: 0, byClass: { ok: 0, warning: 0, critical: 0, skipped: 0 }, latencyMs: null, rttMs: null, list: [] },
      snapshots: { count: 0, cadenceSec: 1, coverage: null },
      tes: { runs: [], probe: null, drift: null, config: { variant: 'v2', velocity: {}, footprint: {} } },
      integrity: { baseline: null, final: null },
      resources: { samples: 0, hostCpuPct: null, hostRamPct: null, engineCpuPct: null, targets: [] },
      targets: [],
      anomalies: [anomaly(2004, '# evil|code' as Anomaly['code'] /* closed enum in the engine; the renderer escapes anyway */)],
      anomalyReview: ctx,
      extra: {},
      methods: {},
      signer: { openssh: 'k' },
    } as unknown as ReportDocument;
    const md = renderMarkdown(doc, 'r.json');
    expect(md).toContain('### A1: \\# evil\\|code at ');
    expect(md).toContain('- **A1** ');
    expect(md).toContain('| host.cpuPct | 10 | 50 |');
    expect(md).not.toContain('<b>');
    expect(md).toContain('Caught by pulse 2 (during)');
  });
});
