/**
 * Chaos waves on real processes: bundled quick-chaos runs three waves against two workload agents
 * and recovers or escalates each scenario with measured times; the seed replays the schedule;
 * the results JSON parses as v1 and `probe-lab check` gates it; --fail-rate produces real
 * escalations and a PARTIAL PASS; `probe-lab compare` finds a CPU spike significant; a halt
 * mid-pause leaves no process behind, frozen or not. Times are printed, never asserted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../main/kinds/chaos';
import {
  applyChaosFlags,
  buildSchedule,
  parseChaosSection,
  type ChaosSchedule,
} from '../../main/kinds/chaos';
import type { ScenarioRecord } from '../../main/kinds/chaos/report';
import { resolvePlan } from '../../main/plans/catalog';
import { parsePlanObject, type Plan } from '../../main/model/plan';
import { parseResults, type ResultsDoc } from '../../main/scoring/results';
import { checkCommand } from '../../main/cli/check';
import { compareCommand, compareResults } from '../../main/cli/compare';
import { readStat } from '../../main/lab/process-tree';
import type { ProbeRun } from '../../main/run/runner';
import { liveProcessesOfRun, newRun, tempDir, useTempHome, waitFor } from './helpers';

beforeAll(() => {
  useTempHome();
});

interface ChaosExtra {
  seed: number;
  verdict: string;
  schedule: ChaosSchedule;
  scenarios: ScenarioRecord[];
  steadyState: { label: string; ok: boolean }[];
  results: ResultsDoc;
  audit: { schema: string; runs: number; findings: number; groups: { suite: string }[] };
}

async function runChaos(
  plan: Plan,
): Promise<{ run: ProbeRun; extra: ChaosExtra; verdict: string; out: string; markdown: string }> {
  const out = tempDir('chaos-test-');
  const run = newRun(plan, out);
  const result = await run.run();
  const report = JSON.parse(fs.readFileSync(result.report.json, 'utf8')) as {
    extra?: { chaos?: ChaosExtra };
  };
  const extra = report.extra?.chaos;
  if (!extra) throw new Error('report has no extra.chaos');
  console.log(
    `[chaos] ${plan.id} seed ${extra.seed}: ${extra.verdict}; ${extra.scenarios.map((s) => `${s.id} ${s.type} ${s.outcome} ${s.recoveryMs ?? '-'} ms`).join('; ')}`,
  );
  return {
    run,
    extra,
    verdict: result.verdict,
    out,
    markdown: fs.readFileSync(result.report.markdown, 'utf8'),
  };
}

const ledgerRecords = (run: ProbeRun, type: string): unknown[] =>
  fs
    .readFileSync(path.join(run.runDir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; data: unknown })
    .filter((r) => r.type === type)
    .map((r) => r.data);

const io = () => {
  const lines: string[] = [];
  return { lines, io: { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s) } };
};

/** The first seed whose quick-chaos schedule covers all six agent scenario types (the schedule is pure). */
function broadSeed(): number {
  const section = parseChaosSection(resolvePlan('quick-chaos').plan);
  const ids = [
    { id: 'agent-1', kind: 'agent' as const },
    { id: 'agent-2', kind: 'agent' as const },
  ];
  for (let seed = 1; ; seed++) {
    const types = new Set(
      buildSchedule(section, ids, seed).waves.flatMap((w) => w.events.map((e) => e.type)),
    );
    if (types.size >= 6) return seed;
  }
}

describe('quick-chaos against the bundled agent', () => {
  const SEED = broadSeed();
  let first: Awaited<ReturnType<typeof runChaos>>;

  beforeAll(async () => {
    first = await runChaos(applyChaosFlags(resolvePlan('quick-chaos').plan, { seed: SEED }));
  }, 60_000);

  it('runs three waves with steady-state checks around them; every scenario recovers or escalates, with measured times', () => {
    const { extra, run } = first;
    expect(extra.seed).toBe(SEED);
    expect(extra.schedule.waves.map((w) => w.events.length)).toEqual([1, 2, 3]);
    expect(extra.scenarios).toHaveLength(6);
    expect(extra.steadyState.map((s) => s.label)).toEqual([
      'before wave 1',
      'between waves 1 and 2',
      'between waves 2 and 3',
      'after wave 3',
    ]);
    for (const s of extra.scenarios) {
      expect(['recovered', 'escalated']).toContain(s.outcome);
      expect(s.methods.map((m) => m.method).sort()).toEqual(['health', 'heartbeat', 'log', 'metrics']);
      if (s.outcome === 'recovered') {
        expect(s.recoveryMs).not.toBeNull();
        expect(s.methods.every((m) => m.ok && m.atMs !== null && m.atMs <= (s.recoveryMs ?? -1))).toBe(true);
        expect(s.outageMs).toBeGreaterThanOrEqual(s.faultMs ?? Infinity);
      } else {
        expect(s.cause).toMatch(/no recovery within/);
      }
      // A pause lasts at least what was asked: the target really was stopped that long.
      if (s.type === 'heartbeat-pause')
        expect(s.faultMs).toBeGreaterThanOrEqual(s.params.pauseMs ?? Infinity);
      if (s.type === 'cpu-spike') expect(Number(s.details.grantedShare)).toBeLessThanOrEqual(1);
      // Evidence from the target itself that the fault reached it.
      if (s.type === 'message-flood') expect(s.details.countedByAgent).toBe(s.params.messages);
      if (s.type === 'telemetry-storm')
        expect(Number(s.details.outputBytesSeen)).toBeGreaterThanOrEqual(s.params.bytes ?? Infinity);
      if (s.type === 'memory-spike')
        expect(Number(s.details.peakRssKb)).toBeGreaterThan((s.params.mb ?? Infinity) * 1024);
      if (s.type === 'command-burst') expect(Number(s.details.answered)).toBeGreaterThan(0);
    }
    expect(new Set(extra.scenarios.map((s) => s.type)).size).toBe(6);
    // Each scenario's start and end are in the ledger, and the schedule was recorded before the first fault.
    expect(ledgerRecords(run, 'chaos.event.end')).toHaveLength(6);
    expect(ledgerRecords(run, 'chaos.schedule')).toEqual([extra.schedule]);
    expect(run.events.some((e) => e.message.includes(`--seed ${SEED}`))).toBe(true);
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
  });

  it('exports a results v1 document that probe-lab check gates', async () => {
    const { extra, out } = first;
    const parsed = parseResults(extra.results);
    expect(parsed.ok).toBe(true);
    const doc = extra.results;
    expect(doc.seed).toBe(SEED);
    expect(doc.scenarios).toHaveLength(6);
    // The schedule has a command burst: fixed-rate sends, raw and corrected histograms both reported.
    for (const name of [
      'ping_baseline',
      'ping_during_waves',
      'ping_during_waves_corrected',
      'command_latency',
      'command_latency_corrected',
    ]) {
      const m = doc.metrics[name];
      expect(m?.count).toBeGreaterThan(0);
      for (const f of ['p50', 'p95', 'p99', 'p999', 'max'] as const) expect(m?.[f]).toBeTypeOf('number');
      expect((m?.p50 ?? Infinity) <= (m?.p99 ?? -1) && (m?.p99 ?? Infinity) <= (m?.max ?? -1)).toBe(true);
    }
    // Corrected for coordinated omission: never fewer counts than the raw histogram.
    expect(doc.metrics.ping_during_waves_corrected?.count).toBeGreaterThanOrEqual(
      doc.metrics.ping_during_waves?.count ?? Infinity,
    );
    expect(doc.metrics.degradation_p50_ratio?.value).toBeGreaterThan(0);
    expect(doc.metrics.command_latency_corrected?.count).toBeGreaterThanOrEqual(
      doc.metrics.command_latency?.count ?? Infinity,
    );
    expect(doc.metrics.recovery_ms?.count).toBe(
      extra.scenarios.filter((x) => x.outcome === 'recovered').length,
    );
    const file = path.join(out, 'chaos.results.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const pass = io();
    expect(
      await checkCommand(
        [file, '--threshold', 'unexpected_failures:value<=6', '--threshold', 'scenarios:value==6'],
        pass.io,
      ),
    ).toBe(0);
    const fail = io();
    expect(
      await checkCommand(
        [file, '--threshold', 'ping_during_waves:p(99)<1', '--threshold', 'scenarios:value==7'],
        fail.io,
      ),
    ).toBe(1);
    expect(fail.lines.join('\n')).toMatch(/FAIL\s+ping_during_waves/);
  });

  it('runs the stub audit over its own results and signs the findings into the report', () => {
    const { extra, markdown } = first;
    expect(extra.audit.schema).toBe('probe-lab/audit/v1');
    expect(extra.audit.runs).toBe(1);
    expect(extra.audit.groups.map((g) => g.suite)).toEqual([`plan ${extra.results.planId}`]);
    // A seeded random schedule with measured recoveries is not a stub.
    expect(extra.audit.findings).toBe(0);
    expect(markdown).toContain('## Stub audit');
    expect(markdown).toContain(`plan ${extra.results.planId}: 1 run, no findings`);
  });

  it('replays the same schedule, event for event, from the same seed', async () => {
    const again = await runChaos(applyChaosFlags(resolvePlan('quick-chaos').plan, { seed: SEED }));
    expect(again.extra.schedule).toEqual(first.extra.schedule);
    const what = (x: ChaosExtra) =>
      x.scenarios.map((s) => [s.id, s.type, s.targetId, s.params, s.injectFailure]);
    expect(what(again.extra).sort()).toEqual(what(first.extra).sort());
  }, 60_000);
});

/** A one-agent chaos plan with short cadences, built on quick-chaos's shape. */
function smallPlan(id: string, chaos: Record<string, unknown>, count = 1): Plan {
  const q = resolvePlan('quick-chaos').plan;
  return parsePlanObject({
    ...q,
    id,
    targets: [{ ...q.targets[0], id: 'solo', count }],
    chaos: {
      recoveryTimeoutMs: 1500,
      baseline: { pings: 20, ratePerSec: 20 },
      monitorRatePerSec: 20,
      ...chaos,
    },
  });
}

describe('failure injection', () => {
  it('--fail-rate makes recoveries really fail: escalated, recorded, the run goes on, PARTIAL PASS', async () => {
    const base = smallPlan(
      'chaos-fail',
      { waves: [{ name: 'w', severity: 'low', scenarios: 3, pool: ['message-flood', 'heartbeat-pause'] }] },
      2,
    );
    // The schedule is pure, so pick the first seed that injects exactly one failure of three, on a
    // target no other scenario of the wave touches (a frozen target fails everything on it).
    const section = parseChaosSection(applyChaosFlags(base, { failRate: 34 }));
    const ids = [
      { id: 'solo-1', kind: 'agent' as const },
      { id: 'solo-2', kind: 'agent' as const },
    ];
    const fits = (seed: number) => {
      const events = buildSchedule(section, ids, seed).waves[0]?.events ?? [];
      const inj = events.filter((e) => e.injectFailure);
      return inj.length === 1 && events.filter((e) => e.targetId === inj[0]?.targetId).length === 1;
    };
    let seed = 0;
    while (!fits(seed)) seed++;
    const { extra, run, verdict } = await runChaos(applyChaosFlags(base, { seed, failRate: 34 }));
    const injected = extra.scenarios.filter((s) => s.injectFailure);
    expect(injected).toHaveLength(1);
    expect(injected[0]?.outcome).toBe('escalated');
    expect(injected[0]?.methods.every((m) => !m.ok)).toBe(true);
    expect(extra.scenarios.filter((s) => !s.injectFailure).every((s) => s.outcome === 'recovered')).toBe(
      true,
    );
    expect(extra.verdict).toBe('PARTIAL PASS');
    expect(extra.results.verdict).toBe('PARTIAL');
    expect(extra.results.counters.injected_failures).toBe(1);
    expect(ledgerRecords(run, 'chaos.escalation')).toHaveLength(1);
    expect(run.anomalies.some((a) => a.code === 'CHAOS_ESCALATED_INJECTED')).toBe(true);
    // The frozen target was thawed: the steady state after the wave holds, and the injected failure
    // is not an unexpected one, so the probe's own chaos threshold holds.
    expect(extra.steadyState.at(-1)?.ok).toBe(true);
    expect(verdict).toBe('PASS');
  }, 30_000);
});

describe('compare', () => {
  it('finds the difference between a run with a CPU spike and one without significant', async () => {
    // The bundled A/B pair: the same wave, with and without the spike.
    const spike = await runChaos(applyChaosFlags(resolvePlan('chaos-cpu-spike').plan, { seed: 5 }));
    const calm = await runChaos(applyChaosFlags(resolvePlan('chaos-calm').plan, { seed: 5 }));
    const c = compareResults(calm.extra.results, spike.extra.results);
    const m = c.metrics.find((x) => x.name === 'ping_during_waves_ms');
    console.log(`[chaos] compare ping_during_waves_ms: ${JSON.stringify(m?.test ?? m?.testNote)}`);
    expect(m?.test?.verdict).toBe('significant');
    // B (the spike) tends higher.
    expect(m?.test?.effectSize).toBeGreaterThan(0);
    // And as a person runs it, on the exported files.
    const a = path.join(calm.out, 'calm.results.json');
    const b = path.join(spike.out, 'spike.results.json');
    fs.writeFileSync(a, JSON.stringify(calm.extra.results));
    fs.writeFileSync(b, JSON.stringify(spike.extra.results));
    const cli = io();
    expect(await compareCommand([a, b], cli.io)).toBe(0);
    expect(cli.lines.join('\n')).toMatch(/ping_during_waves_ms: significant/);
  }, 40_000);
});

describe('halt', () => {
  it('a halt in the middle of a pause thaws and stops the target: no process survives, none stays stopped', async () => {
    const plan = smallPlan('chaos-halt', {
      params: { pauseMs: [20000, 20000] },
      waves: [{ name: 'w', severity: 'low', scenarios: 1, pool: ['heartbeat-pause'] }],
    });
    const run = newRun(applyChaosFlags(plan, { seed: 1 }), tempDir('chaos-halt-'));
    const done = run.run();
    await waitFor(() => run.events.some((e) => e.message.startsWith('wave 1')), 20_000, 'the first wave');
    // Frozen through its cgroup where the host gives one, else stopped by SIGSTOP.
    await waitFor(
      () =>
        run
          .targetStates()
          .some(
            (t) =>
              t.pid !== null &&
              (readStat(t.pid)?.state === 'T' || run.containment?.cell(t.targetId)?.isFrozen() === true),
          ),
      5_000,
      'the agent frozen (cgroup freezer or SIGSTOP)',
    );
    const halted = await run.halt('test halt during a pause');
    expect(halted.survivors).toEqual([]);
    const result = await done;
    expect(result.verdict).toBe('HALTED');
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
  }, 30_000);
});
