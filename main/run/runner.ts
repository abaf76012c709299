/**
 * The run loop, in one readable place (Chaos Toolkit's shape): open the ledger before anything
 * runs; baseline and a pulse before; start the targets; pulses in bursts, snapshots and resource
 * samples on fixed schedules while they run; stop everything in `finally`; a pulse after; TES,
 * coverage, integrity and thresholds; the signed report. Observers (the UI stream, the console)
 * cannot break a run: emitters swallow and record listener failures.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ledger } from '../evidence/ledger';
import type { LedgerFileFactory } from '../evidence/ledger-file';
import { openRetryingLedger } from '../evidence/ledger-retry';
import { computeCoverage } from '../evidence/coverage';
import { diffScans, scanFolder, type FolderScan } from '../evidence/footprint';
import { checkIntegrity, takeBaseline, type IntegrityBaseline } from '../evidence/integrity';
import { Sampler } from '../evidence/sampler';
import type {
  Anomaly,
  Coverage,
  IntegrityCheck,
  LatencyClass,
  Pulse,
  PulsePhase,
  ResourceSample,
  RunEventRecord,
  Snapshot,
  TargetState,
  TesScore,
  ThresholdResult,
  Verdict,
} from '../model/evidence';
import type { Target, TargetExit } from '../lab/target';
import type { PtySession } from '../lab/pty-session';
import { isAlive } from '../lab/process-tree';
import { computeTes, probeTes, assessDrift, type DriftFinding } from '../scoring/tes';
import { Emitter, DisposableStore } from '../util/event';
import { toCodedError } from '../util/errors';
import type { Confirmation } from '../safety/confirmation';
import { GuardRails, type GuardTrip } from '../safety/guard-rails';
import type { Plan } from '../model/plan';
import { classifyLatency, judgePulse } from '../scoring/pulse';
import { bursts, every, scheduleAt } from './schedule';
import { createTargets, type PreparedTarget } from './targets';
import { acquireFolderLock, type FolderLock } from '../safety/run-lock';
import { evaluateThresholds } from '../scoring/verdict';
import { recoverInterruptedRuns, type InterruptedRun } from '../safety/interrupted-runs';
import '../kinds/index';
import { extensionsFor, type ExtensionApi, type ProbeExtension } from '../kinds/kind';
import { writeSignedReport, type ReportFiles } from '../reports/report';

/** The ledger is fsync'd at least this often; pulses, anomalies and the end are fsync'd at once. */
const LEDGER_FLUSH_MS = 1000;
/** Samples kept in memory for the live view; every sample still goes to the ledger. */
const SAMPLES_IN_MEMORY = 3600;
/** Output tail kept per target for late joiners. */
const OUTPUT_TAIL_CHARS = 16 * 1024;
/** Time between the compliance pulses after the probe. */
const AFTER_PULSE_SPACING_MS = 1000;

export interface RunContext {
  plan: Plan;
  /** Folder that relative governance and sentinel paths resolve from. */
  planDir: string;
  confirmation: Confirmation;
  outDir: string;
  resourcesDir: string;
  /** The ledger's file layer (tests inject disk-full, I/O and short-write faults here). */
  ledgerFileFactory?: LedgerFileFactory;
  /** Earlier probe TES of the same plan, oldest first, for drift. */
  tesHistory?: TesScore[];
  runId?: string;
}

export interface RunResult {
  runId: string;
  verdict: Verdict;
  exitCode: 0 | 1 | 3;
  thresholds: ThresholdResult[];
  probeTes: TesScore | null;
  report: ReportFiles;
  haltReason: string | null;
}

interface Instance {
  prepared: PreparedTarget;
  target: Target;
  state: TargetState;
  scanBefore: FolderScan;
  exit: TargetExit | null;
  pulseClasses: LatencyClass[];
  tail: string;
  logFd: number;
}

export const newRunId = () =>
  `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..+/, '')}-${crypto.randomBytes(3).toString('hex')}`;

export class ProbeRun {
  readonly runId: string;
  readonly runDir: string;
  readonly startedAt = Date.now();
  endedAt: number | null = null;
  status: 'running' | 'halting' | 'ended' = 'running';
  verdict: Verdict | null = null;
  reportPath: string | null = null;

  readonly pulses: Pulse[] = [];
  readonly samples: ResourceSample[] = [];
  readonly snapshots: Snapshot[] = [];
  readonly events: RunEventRecord[] = [];
  readonly anomalies: Anomaly[] = [];
  tes: TesScore[] = [];
  integrity: IntegrityCheck | null = null;
  coverage: Coverage | null = null;

  private readonly errors: string[] = [];
  private readonly onError = (err: unknown) => this.errors.push(String(err));
  private readonly pulseEmitter = new Emitter<Pulse>(this.onError);
  private readonly sampleEmitter = new Emitter<ResourceSample>(this.onError);
  private readonly snapshotEmitter = new Emitter<{ snapshot: Snapshot; coverage: Coverage }>(this.onError);
  private readonly tesEmitter = new Emitter<TesScore[]>(this.onError);
  private readonly integrityEmitter = new Emitter<IntegrityCheck>(this.onError);
  private readonly eventEmitter = new Emitter<RunEventRecord>(this.onError);
  private readonly anomalyEmitter = new Emitter<Anomaly>(this.onError);
  private readonly targetsEmitter = new Emitter<TargetState[]>(this.onError);
  private readonly outputEmitter = new Emitter<{ targetId: string; data: string }>(this.onError);
  private readonly endEmitter = new Emitter<RunResult>(this.onError);
  readonly onDidPulse = this.pulseEmitter.event;
  readonly onDidSample = this.sampleEmitter.event;
  readonly onDidSnapshot = this.snapshotEmitter.event;
  readonly onDidTes = this.tesEmitter.event;
  readonly onDidIntegrity = this.integrityEmitter.event;
  readonly onDidEvent = this.eventEmitter.event;
  readonly onDidAnomaly = this.anomalyEmitter.event;
  readonly onDidTargets = this.targetsEmitter.event;
  readonly onDidOutput = this.outputEmitter.event;
  readonly onDidEnd = this.endEmitter.event;

  private ledger: Ledger | null = null;
  private lock: FolderLock | null = null;
  private instances: Instance[] = [];
  private readonly sampler = new Sampler();
  private baseline: IntegrityBaseline | null = null;
  private readonly store = new DisposableStore();
  private haltReason: string | null = null;
  private wake: (() => void) | null = null;
  private pulseSeq = 0;
  private pulseInFlight = false;
  private skippedPulses = 0;
  private guardTrip: GuardTrip | null = null;
  private runStartMono = 0;
  private probeStartAt = 0;
  private lastProbeTes: number | null = null;
  private ledgerFailed: string | null = null;
  private prepared: PreparedTarget[];
  private readonly extensions: ProbeExtension[];
  private resolveHalting!: () => void;
  private readonly haltingPromise = new Promise<void>((r) => (this.resolveHalting = r));

  constructor(private readonly ctx: RunContext) {
    this.runId = ctx.runId ?? newRunId();
    this.guard = new GuardRails(ctx.plan.thresholds.guard);
    this.extensions = extensionsFor(ctx.plan);
    this.runDir = path.join(ctx.outDir, 'runs', this.runId);
    // Resolve every command against the allowlist before anything exists on disk or in /proc.
    this.prepared = createTargets(ctx.plan, {
      planDir: ctx.planDir,
      resourcesDir: ctx.resourcesDir,
      runDir: this.runDir,
      runId: this.runId,
    });
  }

  get plan(): Plan {
    return this.ctx.plan;
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  targetStates(): TargetState[] {
    return this.instances.map((i) => ({ ...i.state }));
  }

  /** Target states with each agent's pty, for flow-control participants such as the console. */
  targetStatesWithPty(): { targetId: string; pty: PtySession | null }[] {
    return this.instances.map((i) => ({
      targetId: i.state.targetId,
      pty: (i.target as { pty?: PtySession | null }).pty ?? null,
    }));
  }

  outputTails(): { targetId: string; tail: string }[] {
    return this.instances.map((i) => ({ targetId: i.state.targetId, tail: i.tail }));
  }

  /** Every pid the run has started or seen, for crash recovery and orphan checks. */
  knownPids(): number[] {
    const set = new Set<number>();
    for (const i of this.instances) {
      if (i.state.pid) set.add(i.state.pid);
      for (const s of this.sampler.seenFor(i.state.targetId)) set.add(s.pid);
    }
    return [...set];
  }

  // ---- recording -------------------------------------------------------------------------

  private record(type: string, data: unknown, durable = false): void {
    if (!this.ledger || this.ledgerFailed) return;
    try {
      this.ledger.append(type, data, { durable });
    } catch (err) {
      // Fail closed: evidence that cannot be written stops the probe; it is never silently lost.
      const coded = toCodedError(err);
      this.ledgerFailed = `${coded.code}: ${coded.message}`;
      this.requestHalt(`ledger write failed (${coded.code})`);
    }
  }

  private event(kind: string, message: string, extra: Partial<RunEventRecord> = {}): void {
    const e: RunEventRecord = { at: Date.now(), kind, message, ...extra };
    this.events.push(e);
    this.record('event', e);
    this.eventEmitter.fire(e);
  }

  private anomaly(
    code: string,
    severity: Anomaly['severity'],
    message: string,
    data?: Record<string, unknown>,
  ): void {
    const a: Anomaly = { at: Date.now(), code, severity, message, ...(data ? { data } : {}) };
    this.anomalies.push(a);
    this.record('anomaly', a, true);
    this.anomalyEmitter.fire(a);
  }

  private publishTargets(): void {
    const states = this.targetStates();
    this.record('targets', states);
    this.targetsEmitter.fire(states);
  }

  // ---- halting -----------------------------------------------------------------------------

  private requestHalt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.resolveHalting();
    if (this.status === 'running') this.status = 'halting';
    this.wake?.();
  }

  /** Stops every process of the probe; resolves once none is left (or the survivors are named). */
  async halt(reason = 'halted by the architect'): Promise<{ stoppedWithinMs: number; survivors: number[] }> {
    const t0 = performance.now();
    this.requestHalt(reason);
    await this.stopAll('halt');
    const survivors = this.knownPids().filter(isAlive);
    return { stoppedWithinMs: Math.round(performance.now() - t0), survivors };
  }

  /**
   * Stops every target there is now. Not memoized: a halt that lands before the targets exist
   * must not stand in for the stop after them (target.stop() is idempotent).
   */
  private async stopAll(
    reason: 'halt' | 'completed' | 'max-duration' | 'guard-rail' | 'error',
  ): Promise<void> {
    await Promise.all(
      this.instances.map(async (i) => {
        try {
          await i.target.stop(reason);
        } catch (err) {
          this.anomaly('STOP_FAILED', 'critical', `could not stop ${i.state.targetId}: ${String(err)}`);
        }
      }),
    );
  }

  // ---- evidence ----------------------------------------------------------------------------

  /** TES scores task runs; services (lab kernels, agents with role "service") are not tasks. */
  private tasks(): Instance[] {
    return this.instances.filter((i) => isTask(i.prepared));
  }

  private provisionalTes(): TesScore[] {
    const now = performance.now();
    return this.tasks().map((i) => {
      const files = diffScans(i.scanBefore, scanFolder(i.target.workdir)).total;
      i.state.filesChanged = files;
      return computeTes(
        {
          subject: i.state.targetId,
          runMs: i.exit ? i.exit.runMs : now - this.runStartMono,
          filesChanged: files,
          outcome: i.exit ? i.exit.outcome : 'running',
          pulseClasses: i.pulseClasses,
        },
        this.ctx.plan.tes,
      );
    });
  }

  private async pulse(phase: PulsePhase, burst: number, plannedAt: number): Promise<void> {
    const seq = ++this.pulseSeq;
    const startedAt = Date.now();
    const t = this.ctx.plan.thresholds;
    if (this.pulseInFlight || startedAt - plannedAt > t.pulse.critSec * 1000) {
      // The previous pulse is still running or the scheduler woke too late to be meaningful.
      this.skippedPulses++;
      const p: Pulse = {
        seq,
        phase,
        burst,
        plannedAt,
        startedAt,
        completedAt: startedAt,
        startLagMs: startedAt - plannedAt,
        latencyMs: startedAt - plannedAt,
        latencyClass: 'skipped',
        host: null,
        targets: [],
        tes: this.lastProbeTes,
        tesDelta: null,
        integrity: null,
        status: 'RED',
        reasons: [
          this.pulseInFlight
            ? 'skipped: the previous pulse had not finished'
            : 'skipped: scheduler woke past the critical latency',
        ],
      };
      this.pushPulse(p);
      return;
    }
    this.pulseInFlight = true;
    try {
      const timeoutMs = this.ctx.plan.pulses.timeoutSec * 1000;
      const live = this.instances.filter((i) => !i.exit && i.state.state === 'running');
      const targets = await Promise.all(
        live.map(async (i) => {
          const h = await i.target.health(timeoutMs);
          return { targetId: i.state.targetId, ...h, tes: null as number | null };
        }),
      );
      const failed = this.instances
        .filter((i) => i.exit?.outcome === 'failed')
        .map((i) => ({
          targetId: i.state.targetId,
          alive: false,
          responsive: null,
          rttMs: null,
          method: 'exit status',
          detail: `exited with code ${i.exit?.exitCode}${i.exit?.signal ? ` (signal ${i.exit.signal})` : ''}`,
          tes: null,
          failed: true,
        }));
      const integrity = this.baseline ? checkIntegrity(this.baseline) : null;
      const tesRuns = this.provisionalTes();
      for (const tp of targets) tp.tes = tesRuns.find((r) => r.subject === tp.targetId)?.score ?? null;
      const probe = probeTes(tesRuns, this.ctx.plan.tes);
      const completedAt = Date.now();
      const latencyMs = completedAt - plannedAt;
      const latencyClass = classifyLatency(latencyMs, t.pulse);
      const host = this.samples[this.samples.length - 1]?.host ?? this.sampler.host();
      const allTargets = [...targets, ...failed];
      const judgement = judgePulse({
        latencyClass,
        latencyMs,
        host,
        targets: allTargets,
        integrity,
        thresholds: t,
      });
      const tesNow = probe?.score ?? null;
      const p: Pulse = {
        seq,
        phase,
        burst,
        plannedAt,
        startedAt,
        completedAt,
        startLagMs: startedAt - plannedAt,
        latencyMs,
        latencyClass,
        host,
        targets: allTargets.map((t) => ({
          targetId: t.targetId,
          alive: t.alive,
          responsive: t.responsive,
          rttMs: t.rttMs,
          method: t.method,
          detail: t.detail,
          tes: t.tes,
        })),
        tes: tesNow,
        tesDelta:
          tesNow !== null && this.lastProbeTes !== null
            ? Math.round((tesNow - this.lastProbeTes) * 10) / 10
            : null,
        integrity,
        status: judgement.status,
        reasons: judgement.reasons,
      };
      if (tesNow !== null) this.lastProbeTes = tesNow;
      for (const i of live) i.pulseClasses.push(latencyClass);
      if (integrity) {
        this.integrity = integrity;
        this.integrityEmitter.fire(integrity);
        if (!integrity.ok)
          this.anomaly(
            'INTEGRITY_CHANGED',
            'critical',
            `governance/sentinel files changed: ${integrity.changed.join(', ')}`,
            { changed: integrity.changed },
          );
      }
      this.pushPulse(p);
      if (tesRuns.length) {
        this.tes = probe ? [...tesRuns, probe] : tesRuns;
        this.tesEmitter.fire(this.tes);
      }
    } catch (err) {
      this.anomaly('PULSE_FAILED', 'critical', `pulse ${seq} failed: ${toCodedError(err).message}`);
    } finally {
      this.pulseInFlight = false;
    }
  }

  private pushPulse(p: Pulse): void {
    this.pulses.push(p);
    this.record('pulse', p, true);
    this.pulseEmitter.fire(p);
    if (p.latencyClass === 'skipped')
      this.anomaly('PULSE_SKIPPED', 'critical', `pulse ${p.seq} (${p.phase}) skipped`);
    else if (p.latencyClass === 'critical')
      this.anomaly('PULSE_LATE', 'critical', `pulse ${p.seq} took ${(p.latencyMs / 1000).toFixed(2)} s`);
  }

  private roots() {
    return this.instances.map((i) => ({ targetId: i.state.targetId, pids: i.target.rootPids() }));
  }

  private takeSample(): void {
    try {
      const s = this.sampler.sample(this.roots());
      this.samples.push(s);
      if (this.samples.length > SAMPLES_IN_MEMORY)
        this.samples.splice(0, this.samples.length - SAMPLES_IN_MEMORY);
      this.record('sample', s);
      this.sampleEmitter.fire(s);
      const trip = this.guard.observe(s.host);
      if (trip && !this.guardTrip) {
        this.guardTrip = trip;
        this.anomaly(
          'GUARD_RAIL_TRIPPED',
          'critical',
          `host ${trip.metric.toUpperCase()} ${trip.lastPct}% over ${trip.limitPct}% for ${(trip.sustainedMs / 1000).toFixed(1)} s: halting the probe`,
          { ...trip },
        );
        this.requestHalt(
          `guard rail: ${trip.metric} over ${trip.limitPct}% for ${(trip.sustainedMs / 1000).toFixed(1)} s`,
        );
      }
    } catch (err) {
      this.anomaly('SAMPLE_FAILED', 'warning', `resource sample failed: ${String(err)}`);
    }
  }

  private takeSnapshot(slot: number, plannedAt: number): void {
    const last = this.samples[this.samples.length - 1];
    const host = last?.host ?? this.sampler.host();
    for (const i of this.instances)
      i.state.filesChanged = diffScans(i.scanBefore, scanFolder(i.target.workdir)).total;
    const snap: Snapshot = {
      seq: this.snapshots.length + 1,
      slot,
      plannedAt,
      at: Date.now(),
      host,
      targets: last?.targets ?? [],
      states: this.targetStates(),
    };
    this.snapshots.push(snap);
    this.record('snapshot', snap);
    this.coverage = computeCoverage(
      this.snapshots.map((s) => s.at),
      this.probeStartAt,
      Date.now(),
      this.ctx.plan.snapshots.cadenceSec * 1000,
    );
    this.snapshotEmitter.fire({ snapshot: snap, coverage: this.coverage });
  }

  private readonly guard: GuardRails;

  // ---- the loop ----------------------------------------------------------------------------

  /**
   * Takes the folder lock, opens the ledger and records the start: synchronous, so a refusal
   * (folder busy, ledger not writable) reaches the caller before anything runs.
   */
  open(): void {
    if (this.ledger) return;
    const plan = this.ctx.plan;
    fs.mkdirSync(this.ctx.outDir, { recursive: true });
    this.lock = acquireFolderLock(this.ctx.outDir, this.runId);
    try {
      fs.mkdirSync(path.join(this.runDir, 'output'), { recursive: true });
      // Write failures are retried with a visible record of each attempt, then fail closed.
      this.ledger = openRetryingLedger(path.join(this.runDir, 'ledger.jsonl'), {
        runId: this.runId,
        ...(this.ctx.ledgerFileFactory ? { fileFactory: this.ctx.ledgerFileFactory } : {}),
      });
    } catch (err) {
      this.lock.release();
      throw err;
    }
    const flusher = setInterval(() => {
      try {
        this.ledger?.flush();
      } catch (err) {
        this.ledgerFailed ??= String(err);
        this.requestHalt('ledger flush failed');
      }
    }, LEDGER_FLUSH_MS);
    this.store.add({ dispose: () => clearInterval(flusher) });
    const { mac: _mac, ...confirmation } = this.ctx.confirmation;
    this.record(
      'run.start',
      {
        runId: this.runId,
        plan,
        confirmation,
        pid: process.pid,
        host: hostInfo(),
        targets: this.prepared.map((p) => ({
          id: p.instanceId,
          command: p.describe.command,
          args: p.describe.args,
        })),
      },
      true,
    );
    this.event('run', `run ${this.runId} of plan ${plan.id} confirmed by ${this.ctx.confirmation.by}`);
  }

  /**
   * Interrupted runs in this report folder, found only while this run holds the folder's lock (a
   * live probe there is never mistaken for a dead one): their leftover processes killed, each
   * marked interrupted, each an anomaly of this run.
   */
  private async recoverInterrupted(): Promise<void> {
    let found: InterruptedRun[] = [];
    try {
      found = await recoverInterruptedRuns(this.ctx.outDir, this.runId);
    } catch (err) {
      this.anomaly('RECOVERY_FAILED', 'warning', `could not check for interrupted runs: ${String(err)}`);
    }
    for (const r of found) {
      this.anomaly(
        'INTERRUPTED_RUN_FOUND',
        'warning',
        `found interrupted run ${r.runId}: last verified record ${r.lastGoodSeq}${r.torn ? `, torn tail of ${r.torn.bytes} bytes` : ''}; ${r.killedPids.length} leftover process(es) killed${r.survivors.length ? `, SURVIVORS ${r.survivors.join(',')}` : ''}; marked in ${r.markerPath}`,
        { ...r },
      );
    }
  }

  /** Opens (if not yet) and runs the probe to its end; always releases the lock. */
  async run(): Promise<RunResult> {
    this.open();
    try {
      await this.recoverInterrupted();
      return await this.execute();
    } finally {
      this.store.dispose();
      this.lock?.release();
    }
  }

  private async execute(): Promise<RunResult> {
    const plan = this.ctx.plan;
    const gov = plan.governance.folder ? path.resolve(this.ctx.planDir, plan.governance.folder) : null;
    this.baseline = takeBaseline(
      gov,
      plan.governance.sentinels.map((s) => path.resolve(this.ctx.planDir, s)),
    );
    this.record(
      'integrity.baseline',
      {
        governanceFolder: gov,
        governanceHash: this.baseline.governanceHash,
        sentinels: this.baseline.sentinels,
      },
      true,
    );

    // A first sample gives the CPU figures a real interval before the pulse that reads them.
    this.sampler.sample([]);
    await sleep(Math.min(1000, plan.sampling.intervalMs));
    this.takeSample();
    await this.pulse('before', 0, Date.now());

    let runError: unknown = null;
    try {
      for (const p of this.prepared) {
        fs.mkdirSync(p.workdir, { recursive: true });
        const target = p.create({ seen: () => this.sampler.seenFor(p.instanceId) });
        const inst: Instance = {
          prepared: p,
          target,
          exit: null,
          pulseClasses: [],
          tail: '',
          scanBefore: scanFolder(p.workdir),
          logFd: fs.openSync(path.join(this.runDir, 'output', `${p.instanceId}.log`), 'a'),
          state: {
            targetId: p.instanceId,
            state: 'pending',
            pid: null,
            exitCode: null,
            filesChanged: 0,
            outputBytes: 0,
          },
        };
        this.instances.push(inst);
        this.wireTarget(inst);
      }
      this.publishTargets();
      this.runStartMono = performance.now();
      const spawnAt = Date.now();
      await Promise.all(this.instances.map((i) => this.startTarget(i)));
      this.publishTargets();
      // The probe's clock starts once every target is up (a kernel boots for seconds): slots
      // planned during a boot would otherwise fire late and read as skipped pulses and gaps.
      this.probeStartAt = Date.now();
      const t0 = this.probeStartAt;
      if (t0 - spawnAt > 1000)
        this.event(
          'run',
          `targets up after ${((t0 - spawnAt) / 1000).toFixed(1)} s; the probe clock starts now`,
        );

      this.store.add(
        scheduleAt(t0, every(plan.sampling.intervalMs, plan.sampling.intervalMs), () => this.takeSample()),
      );
      this.store.add(
        scheduleAt(t0, every(plan.snapshots.cadenceSec * 1000), (f) =>
          this.takeSnapshot(f.index, f.plannedAt),
        ),
      );
      const b = plan.pulses.burst;
      this.store.add(
        scheduleAt(t0, bursts(plan.pulses.cadenceSec * 1000, b.count, b.spacingSec * 1000), (f) => {
          void this.pulse('during', Math.floor(f.index / b.count) + 1, f.plannedAt);
        }),
      );
      const api = this.extensionApi();
      const extensionRuns = new Map(
        this.extensions.map((e) => [
          e,
          e.run(api).catch((err) => {
            this.anomaly('EXTENSION_FAILED', 'critical', `${e.name}: ${toCodedError(err).message}`);
          }),
        ]),
      );

      const deadline = t0 + plan.run.maxDurationSec * 1000;
      // The probe ends when its tasks have ended and the extensions that are its work are done
      // (services are then stopped); a plan of services alone runs to its max duration. Events
      // inside a probe (a kernel pause) never hold it open.
      const tasks = this.tasks();
      const work = this.extensions.filter((e) => e.endsRun).map((e) => extensionRuns.get(e));
      const allExited =
        tasks.length || work.length
          ? Promise.all([...tasks.map((i) => i.target.exited), ...work])
          : new Promise<never>(() => {});
      let deadlineTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        allExited,
        new Promise<void>((r) => {
          deadlineTimer = setTimeout(
            () => {
              if (!this.haltReason) {
                this.event(
                  'run',
                  `max duration ${plan.run.maxDurationSec} s reached: stopping what still runs`,
                );
                this.maxDurationReached = true;
              }
              r();
            },
            Math.max(0, deadline - Date.now()),
          );
        }),
        new Promise<void>((r) => {
          this.wake = r;
          if (this.haltReason) r(); // halted before we got here
        }),
      ]);
      clearTimeout(deadlineTimer);
    } catch (err) {
      runError = err;
      this.anomaly('RUN_ERROR', 'critical', `run error: ${toCodedError(err).message}`);
      this.requestHalt('run error');
    } finally {
      this.store.dispose();
      for (const e of this.extensions) {
        try {
          e.dispose();
        } catch (err) {
          this.anomaly('EXTENSION_FAILED', 'warning', `${e.name} dispose: ${String(err)}`);
        }
      }
      await this.stopAll(
        this.guardTrip
          ? 'guard-rail'
          : this.haltReason
            ? 'halt'
            : this.maxDurationReached
              ? 'max-duration'
              : 'completed',
      );
      // Exit promises resolve on the pty's exit; give them a moment after the kill.
      await raceTimeout(Promise.all(this.instances.map((i) => i.target.exited)), 1500);
      this.publishTargets();
      for (const i of this.instances) {
        try {
          fs.closeSync(i.logFd);
        } catch {
          /* already closed */
        }
      }
    }
    return this.finish(runError);
  }

  private maxDurationReached = false;

  private extensionApi(): ExtensionApi {
    const anomalies = this.anomalies;
    return {
      plan: this.ctx.plan,
      runId: this.runId,
      runDir: this.runDir,
      planDir: this.ctx.planDir,
      resourcesDir: this.ctx.resourcesDir,
      targets: () => new Map(this.instances.map((i) => [i.state.targetId, i.target])),
      record: (type, data, durable) => this.record(type, data, durable ?? false),
      event: (kind, message, data, targetId) =>
        this.event(kind, message, { ...(data ? { data } : {}), ...(targetId ? { targetId } : {}) }),
      anomaly: (code, severity, message, data) => this.anomaly(code, severity, message, data),
      pulseNow: async () => {
        const before = this.pulses.length;
        await this.pulse('during', 0, Date.now());
        return this.pulses.length > before ? (this.pulses[this.pulses.length - 1] ?? null) : null;
      },
      latestSample: () => this.samples[this.samples.length - 1] ?? null,
      anomalies,
      isHalting: () => this.haltReason !== null,
      halting: this.haltingPromise,
      requestHalt: (reason) => this.requestHalt(reason),
    };
  }

  private wireTarget(i: Instance): void {
    const id = i.state.targetId;
    const t = i.target;
    const sink = (data: string) => {
      try {
        fs.writeSync(i.logFd, data);
      } catch (err) {
        this.anomaly('OUTPUT_WRITE_FAILED', 'warning', `${id}: output log write failed: ${String(err)}`);
      }
      i.state.outputBytes += data.length;
      // A flood's batch alone can exceed the tail: then it is the tail, with no copy of the old one.
      i.tail =
        data.length >= OUTPUT_TAIL_CHARS
          ? data.slice(-OUTPUT_TAIL_CHARS)
          : (i.tail + data).slice(-OUTPUT_TAIL_CHARS);
      this.outputEmitter.fire({ targetId: id, data });
    };
    this.store.add(t.onDidOutput(sink));
    this.store.add(
      t.onDidProblem((p) => this.anomaly(p.code, 'warning', `${id}: ${p.message}`, { sample: p.sample })),
    );
    this.store.add(
      t.onDidSignal((s) => {
        if (s.type !== 'heartbeat' && s.type !== 'pong')
          this.event(`agent.${s.type}`, `${id}: ${s.type}`, { targetId: id, data: s.data });
      }),
    );
    void t.exited.then((exit) => {
      i.exit = exit;
      i.state.state = exit.outcome === 'exited' ? 'exited' : exit.outcome === 'failed' ? 'failed' : 'stopped';
      i.state.exitCode = exit.exitCode;
      // Recorded, never restarted: safe mode has no retry and no self-invocation.
      this.record('target.exit', { targetId: id, ...exit }, true);
      this.event(
        'target',
        `${id} ${i.state.state} (code ${exit.exitCode}${exit.signal ? `, signal ${exit.signal}` : ''}) after ${(exit.runMs / 1000).toFixed(1)} s; not restarted`,
        { targetId: id },
      );
      if (exit.outcome === 'failed')
        this.anomaly('TARGET_FAILED', 'warning', `${id} failed with code ${exit.exitCode}`);
      this.publishTargets();
    });
  }

  private async startTarget(i: Instance): Promise<void> {
    if (this.haltReason) {
      // Halted before this target was spawned: it never starts.
      i.state.state = 'stopped';
      this.event('target', `${i.state.targetId} not started: the run is halting`, {
        targetId: i.state.targetId,
      });
      return;
    }
    i.state.state = 'starting';
    try {
      await i.target.start();
      const [pid] = i.target.rootPids();
      i.state.pid = pid ?? null;
      if (i.state.state === 'starting') i.state.state = 'running';
      // pid and process group are recorded durably: after a crash the next start finds them.
      this.record(
        'target.spawn',
        { targetId: i.state.targetId, pid, pgid: pid, ...i.target.describe() },
        true,
      );
      this.event('target', `${i.state.targetId} started (pid ${pid})`, { targetId: i.state.targetId });
    } catch (err) {
      const coded = toCodedError(err);
      i.state.state = 'failed';
      this.anomaly(coded.code, 'critical', `${i.state.targetId} could not start: ${coded.message}`);
      throw err;
    }
  }

  private async finish(runError: unknown): Promise<RunResult> {
    const plan = this.ctx.plan;
    for (let k = 0; k < plan.pulses.after; k++) {
      if (k > 0) await sleep(AFTER_PULSE_SPACING_MS);
      await this.pulse('after', 0, Date.now());
    }
    const probeEnd = Date.now();
    // Final TES, from the files on disk and the measured run times.
    for (const i of this.instances) {
      if (isTask(i.prepared)) continue;
      const diff = diffScans(i.scanBefore, scanFolder(i.target.workdir));
      i.state.filesChanged = diff.total;
      this.record('footprint', { targetId: i.state.targetId, ...diff }, false);
      // A service is expected to run until the probe stops it; ending on its own is a failure.
      if (i.exit && i.exit.outcome !== 'stopped')
        this.anomaly(
          'SERVICE_ENDED',
          'critical',
          `${i.state.targetId} (a service) ended on its own with code ${i.exit.exitCode}`,
        );
    }
    const runs = this.tasks().map((i) => {
      const diff = diffScans(i.scanBefore, scanFolder(i.target.workdir));
      i.state.filesChanged = diff.total;
      this.record('footprint', { targetId: i.state.targetId, ...diff }, false);
      return computeTes(
        {
          subject: i.state.targetId,
          runMs: i.exit?.runMs ?? performance.now() - this.runStartMono,
          filesChanged: diff.total,
          outcome: i.exit?.outcome ?? 'stopped',
          pulseClasses: i.pulseClasses,
        },
        plan.tes,
      );
    });
    const probe = probeTes(runs, plan.tes);
    this.tes = probe ? [...runs, probe] : runs;
    this.record('tes', this.tes, true);
    this.tesEmitter.fire(this.tes);
    const drift: DriftFinding | null = probe ? assessDrift([...(this.ctx.tesHistory ?? []), probe]) : null;
    if (drift?.unexplained)
      this.anomaly('TES_UNEXPLAINED_DRIFT', 'warning', drift.explanation, { scores: drift.scores });

    this.integrity = this.baseline ? checkIntegrity(this.baseline) : null;
    if (this.integrity) {
      this.record('integrity.final', this.integrity, true);
      this.integrityEmitter.fire(this.integrity);
    }
    this.coverage = computeCoverage(
      this.snapshots.map((s) => s.at),
      this.probeStartAt || this.startedAt,
      this.instances.length ? Math.max(...this.instances.map((i) => i.exit?.at ?? probeEnd)) : probeEnd,
      plan.snapshots.cadenceSec * 1000,
    );
    const extra: Record<string, unknown> = {};
    const extThresholds: ThresholdResult[] = [];
    const api = this.extensionApi();
    for (const e of this.extensions) {
      try {
        const r = await e.finish(api);
        if (r.extra) extra[e.name] = r.extra;
        if (r.thresholds) extThresholds.push(...r.thresholds);
      } catch (err) {
        this.anomaly('EXTENSION_FAILED', 'critical', `${e.name} finish: ${toCodedError(err).message}`);
      }
    }
    const thresholds = [
      ...evaluateThresholds({
        plan,
        pulses: this.pulses,
        coverage: this.coverage,
        probeTes: probe,
        integrity: this.integrity,
        anomalies: this.anomalies,
      }),
      ...extThresholds,
    ];
    if (Object.keys(extra).length) this.record('extensions', extra, true);
    const halted = this.haltReason !== null || runError !== null;
    this.verdict = halted ? 'HALTED' : thresholds.every((t) => t.ok) ? 'PASS' : 'FAIL';
    this.endedAt = Date.now();
    const endRecord = {
      verdict: this.verdict,
      haltReason: this.haltReason,
      ledgerFailure: this.ledgerFailed,
      thresholds,
      skippedPulses: this.skippedPulses,
      observerErrors: this.errors,
    };
    this.record('run.end', endRecord, true);
    let ledgerSummary = { records: 0, head: '' };
    if (this.ledger) {
      try {
        this.ledger.flush();
      } catch {
        /* recorded below through ledgerFailed */
      }
      ledgerSummary = { records: this.ledger.count(), head: this.ledger.head() };
      this.ledger.close();
    }
    const report = writeSignedReport({
      outDir: this.ctx.outDir,
      runId: this.runId,
      runDir: this.runDir,
      plan,
      confirmation: this.ctx.confirmation,
      startedAt: this.startedAt,
      probeStartedAt: this.probeStartAt || this.startedAt,
      endedAt: this.endedAt,
      verdict: this.verdict,
      haltReason: this.haltReason,
      thresholds,
      pulses: this.pulses,
      snapshots: this.snapshots,
      coverage: this.coverage,
      tes: this.tes,
      drift,
      integrity: this.integrity,
      baseline: this.baseline,
      anomalies: this.anomalies,
      events: this.events,
      samples: this.samples,
      targets: this.instances.map((i) => ({
        state: { ...i.state },
        describe: i.target.describe(),
        exit: i.exit,
      })),
      ledger: {
        file: path.relative(this.ctx.outDir, path.join(this.runDir, 'ledger.jsonl')),
        ...ledgerSummary,
      },
      ledgerFailure: this.ledgerFailed,
      extra,
    });
    this.reportPath = report.markdown;
    this.status = 'ended';
    const exitCode: RunResult['exitCode'] = this.verdict === 'PASS' ? 0 : this.verdict === 'HALTED' ? 3 : 1;
    const result: RunResult = {
      runId: this.runId,
      verdict: this.verdict,
      exitCode,
      thresholds,
      probeTes: probe,
      report,
      haltReason: this.haltReason,
    };
    this.endEmitter.fire(result);
    for (const i of this.instances) i.target.dispose();
    return result;
  }
}

function isTask(p: PreparedTarget): boolean {
  return p.spec.kind === 'agent' && p.spec.role === 'task';
}

function hostInfo() {
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()}`,
    cpus: os.cpus().length,
    memTotalMb: Math.round(os.totalmem() / 1048576),
    node: process.version,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` or `ms`, whichever is first, leaving no timer behind. */
async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
