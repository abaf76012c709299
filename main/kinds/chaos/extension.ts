/**
 * The chaos extension: inside the one run loop, after the targets started. Chaos Toolkit's shape:
 * steady state, act, steady state again, always clean up. The schedule is drawn from the seed and
 * recorded before the first fault; a baseline is taken before any load; each wave runs its
 * scenarios concurrently, each fault is released and its recovery detected by four methods, or
 * it escalates (recorded, shown, never retried) and the run goes on; a steady-state check runs
 * before the first wave, between waves and after the last.
 */
import { FLUSH_MS } from '../../lab/pty-session';
import type { Target } from '../../lab/target';
import { LatencyRecorder } from '../../scoring/histogram';
import { auditSection } from '../../scoring/audit-report';
import { resultsToAuditRun } from '../../scoring/stub-audit';
import { toCodedError } from '../../util/errors';
import type { ExtensionApi, ExtensionResult, ProbeExtension } from '../kind';
import type { Plan } from '../../model/plan';
import { CpuBudget, runFault, type FaultContext } from './fault';
import { Freezer, sleepUnlessHalting } from './freezer';
import { pingAtFixedRate } from './pinger';
import { detectRecovery, metricBaseline, type MetricBaseline } from './recovery';
import {
  chaosResultsDocument,
  chaosThresholds,
  classify,
  degradation,
  scenarioLine,
  type ScenarioRecord,
  type SteadyCheck,
} from './report';
import { buildSchedule, freshSeed, scheduleNotes, type ChaosSchedule, type ScheduledEvent } from './schedule';
import { hostCapabilities } from './agent-host-faults';
import type { ChaosSection } from './schema';
import { TargetWatch } from './watch';

/** Before the baseline, wait up to this long for each target's first heartbeats (metrics need two). */
const BASELINE_HEARTBEAT_WAIT_MS = 3000;
const BASELINE_HEARTBEATS = 3;
/**
 * A kernel's health check is a QMP query plus a serial-shell round trip, answered one at a time:
 * its baseline is a few checks at a gentle rate rather than an agent's fixed-rate burst.
 */
const KERNEL_BASELINE_PINGS = 4;
const KERNEL_BASELINE_RATE = 4;
/** After an injected freeze, output the target wrote before it froze lands within this (pty batches flush every FLUSH_MS). */
const INJECTED_SETTLE_MS = FLUSH_MS * 10;
/** Per-ping answer timeout for the baseline and the wave monitor. */
const PING_TIMEOUT_MS = 2000;

export class ChaosExtension implements ProbeExtension {
  readonly name = 'chaos';
  readonly endsRun = true;
  readonly section: ChaosSection;
  readonly seed: number;
  private readonly freezer = new Freezer();
  private readonly watches = new Map<string, TargetWatch>();
  private readonly baselines = new Map<string, MetricBaseline>();
  private readonly records: ScenarioRecord[] = [];
  private readonly steady: SteadyCheck[] = [];
  private readonly baselineLatency = new LatencyRecorder();
  private readonly monitorLatency = new LatencyRecorder();
  private readonly commandLatency = new LatencyRecorder();
  private readonly baselineSamples: number[] = [];
  private readonly monitorSamples: number[] = [];
  private readonly counters = { pings_unanswered: 0, skipped_draws: 0, oom_events: 0 };
  /** When injected failures held which target frozen (to = Infinity while still held). */
  private readonly injectedHolds: { id: string; targetId: string; from: number; to: number }[] = [];
  private schedule: ChaosSchedule | null = null;
  private startedAt = Date.now();
  private endedAt: number | null = null;

  constructor(
    readonly plan: Plan,
    section: ChaosSection,
  ) {
    this.section = section;
    this.seed = section.seed ?? freshSeed();
  }

  async run(api: ExtensionApi): Promise<void> {
    this.startedAt = Date.now();
    try {
      await this.execute(api);
    } finally {
      await this.freezer.thawAll();
      this.endedAt = Date.now();
    }
  }

  private async execute(api: ExtensionApi): Promise<void> {
    const targets = api.targets();
    for (const [id, t] of targets) this.watches.set(id, new TargetWatch(t));
    const schedule = buildSchedule(
      this.section,
      [...targets].map(([id, t]) => ({ id, kind: t.kind, can: hostCapabilities(t) })),
      this.seed,
    );
    this.schedule = schedule;
    api.record('chaos.schedule', schedule, true);
    const n = schedule.waves.reduce((s, w) => s + w.events.length, 0);
    api.event(
      'chaos',
      `chaos seed ${this.seed} (replay it with --seed ${this.seed}); ${n} scenario(s) in ${schedule.waves.length} wave(s), fail rate ${Math.round(this.section.failRate * 100)}%`,
      // scenarios/waves: the CLI's live view shows chaos progress against these totals.
      { seed: this.seed, scenarios: n, waves: schedule.waves.length },
    );
    for (const note of scheduleNotes(schedule)) {
      if (note.skipped) this.counters.skipped_draws++;
      api.event('chaos', note.message);
    }

    await this.takeBaseline(api, targets);
    await this.steadyState(api, 'before wave 1');
    for (const wave of schedule.waves) {
      if (api.isHalting()) break;
      api.event(
        'chaos',
        `wave ${wave.index} (${wave.name}, ${wave.severity}): ${wave.events.length} scenario(s) concurrently`,
        { wave: wave.index, waves: schedule.waves.length },
      );
      api.record(
        'chaos.wave.start',
        { index: wave.index, name: wave.name, severity: wave.severity, at: Date.now() },
        true,
      );
      const cpu = new CpuBudget(this.section.cpuCapShare);
      let monitoring = true;
      const monitor = this.monitor(api, targets, () => !monitoring || api.isHalting());
      const t0 = Date.now();
      await Promise.all(
        wave.events.map(async (ev) => {
          await sleepUnlessHalting(t0 + ev.startOffsetMs - Date.now(), api.halting);
          if (api.isHalting()) return;
          const rec = await this.scenario(api, targets, ev, cpu);
          this.records.push(rec);
        }),
      );
      monitoring = false;
      await monitor;
      const here = this.records.filter((r) => r.wave === wave.index);
      api.record(
        'chaos.wave.end',
        {
          index: wave.index,
          at: Date.now(),
          recovered: here.filter((r) => r.outcome === 'recovered').length,
          of: here.length,
        },
        true,
      );
      await this.steadyState(
        api,
        wave.index < schedule.waves.length
          ? `between waves ${wave.index} and ${wave.index + 1}`
          : `after wave ${wave.index}`,
      );
    }
    this.records.sort((a, b) => a.wave - b.wave || a.startedAt - b.startedAt);
    const summary = classify(this.records, this.steady, api.isHalting());
    api.event(
      'chaos',
      `chaos ${summary.verdictText}: ${summary.recovered}/${summary.total} recovered, ${summary.escalated} escalated, ${summary.failed} failed (${summary.injected} injected); seed ${this.seed}`,
    );
    for (const [k, ids] of Object.entries(summary.breakdown))
      api.event('chaos', `  failure ${k}: ${ids.length} (${ids.join(', ')})`);
    for (const inv of summary.investigate)
      api.event('chaos', `  needs investigation: ${inv.id} ${inv.type} on ${inv.targetId}: ${inv.cause}`);
    if (this.section.stopTargetsWhenDone && !api.isHalting()) {
      await Promise.all([...targets.values()].map((t) => t.stop('completed').catch(() => undefined)));
    }
  }

  private async takeBaseline(api: ExtensionApi, targets: ReadonlyMap<string, Target>): Promise<void> {
    const until = Date.now() + BASELINE_HEARTBEAT_WAIT_MS;
    for (const w of this.watches.values())
      while (w.beats.length < BASELINE_HEARTBEATS && Date.now() < until && !api.isHalting())
        await w.nextBeat(w.beats.at(-1)?.at ?? 0, until);
    await Promise.all(
      [...targets].map(async ([id, t]) => {
        const r = await pingAtFixedRate(t, {
          ratePerSec:
            t.kind === 'lab-kernel'
              ? Math.min(KERNEL_BASELINE_RATE, this.section.baseline.ratePerSec)
              : this.section.baseline.ratePerSec,
          count:
            t.kind === 'lab-kernel'
              ? Math.min(KERNEL_BASELINE_PINGS, this.section.baseline.pings)
              : this.section.baseline.pings,
          timeoutMs: PING_TIMEOUT_MS,
          recorder: this.baselineLatency,
          stop: api.isHalting,
        });
        this.baselineSamples.push(...r.rttMs);
        this.counters.pings_unanswered += r.unanswered;
        const watch = this.watches.get(id);
        if (watch) this.baselines.set(id, metricBaseline(watch));
      }),
    );
    const s = this.baselineLatency.summary().uncorrected;
    api.record('chaos.baseline', { latencyUs: s, metrics: Object.fromEntries(this.baselines) }, true);
    api.event(
      'chaos',
      `baseline before load: ${s.count} pings, p50 ${(s.p50 / 1000).toFixed(2)} ms, p99 ${(s.p99 / 1000).toFixed(2)} ms`,
    );
  }

  /** Fixed-rate pings to every agent while a wave runs: what the waves do to responsiveness. */
  private async monitor(
    api: ExtensionApi,
    targets: ReadonlyMap<string, Target>,
    stop: () => boolean,
  ): Promise<void> {
    if (this.section.monitorRatePerSec <= 0) return;
    await Promise.all(
      [...targets.values()]
        .filter((t) => t.kind === 'agent')
        .map(async (t) => {
          const r = await pingAtFixedRate(t, {
            ratePerSec: this.section.monitorRatePerSec,
            timeoutMs: PING_TIMEOUT_MS,
            recorder: this.monitorLatency,
            stop,
          });
          this.monitorSamples.push(...r.rttMs);
          this.counters.pings_unanswered += r.unanswered;
        }),
    );
  }

  private async steadyState(api: ExtensionApi, label: string): Promise<void> {
    if (api.isHalting()) return;
    const p = await api.pulseNow();
    const unresponsive = p
      ? p.targets.filter((t) => t.responsive === false || !t.alive).map((t) => `${t.targetId} ${t.detail}`)
      : [];
    const ok = p !== null && p.status !== 'RED' && unresponsive.length === 0;
    const check: SteadyCheck = {
      label,
      at: Date.now(),
      ok,
      status: p?.status ?? 'NONE',
      reasons: [...(p?.reasons ?? ['no pulse']), ...unresponsive],
    };
    this.steady.push(check);
    api.record('chaos.steady-state', check, true);
    api.event('chaos', `steady state ${label}: ${ok ? 'holds' : `BROKEN (${check.reasons.join('; ')})`}`);
  }

  private async scenario(
    api: ExtensionApi,
    targets: ReadonlyMap<string, Target>,
    ev: ScheduledEvent,
    cpu: CpuBudget,
  ): Promise<ScenarioRecord> {
    const rec: ScenarioRecord = {
      id: ev.id,
      wave: ev.wave,
      type: ev.type,
      targetId: ev.targetId,
      params: ev.params,
      injectFailure: ev.injectFailure,
      collateralOf: null,
      outcome: 'failed',
      startedAt: Date.now(),
      releasedAt: null,
      faultMs: null,
      recoveryMs: null,
      outageMs: null,
      methods: [],
      cause: null,
      details: {},
    };
    const target = targets.get(ev.targetId);
    const watch = this.watches.get(ev.targetId);
    api.record('chaos.event.start', { ...ev, at: rec.startedAt }, true);
    if (!target || !watch || target.rootPids().length === 0) {
      rec.cause = `target ${ev.targetId} is not running`;
      return this.done(api, rec);
    }
    const ctx: FaultContext = {
      target,
      watch,
      event: ev,
      section: this.section,
      cpu,
      commandLatency: this.commandLatency,
      halting: api.isHalting,
      haltingPromise: api.halting,
    };
    const exitedDuring = { v: false };
    void target.exited.then(() => (exitedDuring.v = true));
    try {
      const f = await runFault(ctx, this.freezer);
      rec.startedAt = f.startedAt;
      rec.releasedAt = f.releasedAt;
      rec.faultMs = f.releasedAt - f.startedAt;
      rec.details = f.details;
    } catch (err) {
      rec.cause = `fault could not be injected: ${toCodedError(err).message}`;
      return this.done(api, rec);
    }
    // An injected failure holds the target frozen through the whole recovery window, for real.
    const frozen = ev.injectFailure ? await this.freezer.freeze(target).catch(() => null) : null;
    const hold = frozen ? { id: ev.id, targetId: ev.targetId, from: Date.now(), to: Infinity } : null;
    if (hold) {
      this.injectedHolds.push(hold);
      // What the target wrote before it froze may still be in flight (pty buffer, output batch):
      // detection starts once that has landed, so it sees only what a frozen target does.
      await new Promise((r) => setTimeout(r, INJECTED_SETTLE_MS));
      rec.details = { ...rec.details, injectedFreezeAt: hold.from, detectionFrom: Date.now() };
    }
    try {
      const r = await detectRecovery({
        target,
        watch,
        baseline: this.baselines.get(ev.targetId) ?? { cpuShare: null, rssKb: null, memAvailableKb: null },
        releasedAt: hold ? Date.now() : (rec.releasedAt ?? Date.now()),
        timeoutMs: this.section.recoveryTimeoutMs,
        halting: api.isHalting,
      });
      rec.methods = r.methods;
      rec.recoveryMs = r.recoveryMs;
      if (r.recovered && r.recoveryMs !== null) {
        rec.outcome = 'recovered';
        rec.outageMs = (rec.faultMs ?? 0) + r.recoveryMs;
      } else {
        rec.outcome = 'escalated';
        const windowEnd = (rec.releasedAt ?? Date.now()) + this.section.recoveryTimeoutMs;
        rec.collateralOf =
          this.injectedHolds.find(
            (h) =>
              h.targetId === ev.targetId &&
              h.id !== ev.id &&
              h.from < windowEnd &&
              h.to > (rec.releasedAt ?? 0),
          )?.id ?? null;
        const failed = r.methods.filter((m) => !m.ok).map((m) => m.method);
        const why = ev.injectFailure
          ? 'injected failure: target held frozen; '
          : rec.collateralOf
            ? `target held frozen by the injected failure of ${rec.collateralOf}; `
            : '';
        rec.cause = `${why}no recovery within ${this.section.recoveryTimeoutMs} ms by ${failed.join(', ')}${exitedDuring.v ? '; the target exited' : ''}`;
        if (ev.type === 'memory-spike' && exitedDuring.v) this.counters.oom_events++;
      }
    } finally {
      await frozen?.thaw();
      if (hold) hold.to = Date.now();
    }
    return this.done(api, rec);
  }

  private done(api: ExtensionApi, rec: ScenarioRecord): ScenarioRecord {
    api.record('chaos.event.end', rec, true);
    api.event(
      rec.outcome === 'recovered' ? 'chaos' : 'chaos.escalation',
      scenarioLine(rec),
      { id: rec.id, outcome: rec.outcome, recoveryMs: rec.recoveryMs },
      rec.targetId,
    );
    if (rec.outcome !== 'recovered') {
      api.record(
        'chaos.escalation',
        {
          collateralOf: rec.collateralOf,
          id: rec.id,
          type: rec.type,
          targetId: rec.targetId,
          outcome: rec.outcome,
          cause: rec.cause,
          injected: rec.injectFailure,
        },
        true,
      );
      const expected = rec.injectFailure || rec.collateralOf !== null;
      api.anomaly(
        expected ? 'CHAOS_ESCALATED_INJECTED' : 'CHAOS_ESCALATED',
        expected ? 'info' : 'warning',
        scenarioLine(rec),
        { id: rec.id },
      );
    }
    return rec;
  }

  finish(api: ExtensionApi): ExtensionResult {
    const summary = classify(this.records, this.steady, api.isHalting());
    const results = chaosResultsDocument({
      runId: api.runId,
      planId: api.plan.id,
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? Date.now(),
      seed: this.seed,
      summary,
      records: this.records,
      baseline: this.baselineLatency,
      monitor: this.monitorLatency,
      command: this.commandLatency,
      baselineSamplesMs: this.baselineSamples,
      monitorSamplesMs: this.monitorSamples,
      counters: { ...this.counters },
    });
    const lat = (r: LatencyRecorder) => r.summary();
    return {
      extra: {
        seed: this.seed,
        failRate: this.section.failRate,
        verdict: summary.verdictText,
        summary,
        schedule: this.schedule,
        scenarios: this.records,
        steadyState: this.steady,
        latencyUs: {
          baseline: lat(this.baselineLatency),
          duringWaves: lat(this.monitorLatency),
          commandBurst: lat(this.commandLatency),
        },
        degradation: degradation(this.baselineLatency, this.monitorLatency),
        results,
        // Seed 002's stub audit over this run's own numbers, signed with the report.
        audit: auditSection([{ suite: `plan ${api.plan.id}`, run: resultsToAuditRun(results) }]),
      },
      thresholds: chaosThresholds(summary, this.steady),
    };
  }

  dispose(): void {
    void this.freezer.thawAll();
    for (const w of this.watches.values()) w.dispose();
  }
}
