/**
 * The steps of a run that the loop (runner.ts) calls in order: steady state before, act, clean
 * up, steady state after, conclude. Each data point is taken here once and handed to the recorder.
 */
import path from 'node:path';
import { checkIntegrity, takeBaseline, type IntegrityBaseline } from '../evidence/integrity';
import type {
  Anomaly,
  FileFinding,
  IntegrityCheck,
  Pulse,
  PulsePhase,
  RunEventRecord,
  TesScore,
} from '../model/evidence';
import type { Plan } from '../model/plan';
import type { ExtensionApi, ProbeExtension } from '../kinds/kind';
import type { Confirmation } from '../safety/confirmation';
import { DisposableStore } from '../util/event';
import { toCodedError } from '../util/errors';
import { conclude } from './conclude';
import { findInterruptedRuns, recordRunStart } from './run-start';
import { TargetSet, type StopReason } from './instances';
import { SampleTaker } from './sampling';
import type { RunConclusion } from './output';
import { PulseFileIo } from './pulse-file-io';
import { PulseTaker, scorePulse } from './pulse-taker';
import { Recorder } from './recorder';
import { Bursts } from './bursts';
import { every, raceTimeout, scheduleAt, sleep } from './schedule';
import type { PreparedTarget } from './targets';
import { TesTracker } from './tes-tracker';
import type { RunContainment } from '../safety/containment';

/** Time between the compliance pulses after the probe. */
const AFTER_PULSE_SPACING_MS = 1000;
/** Exit promises resolve on the pty's exit; this long is given to them after the kill. */
const EXIT_GRACE_MS = 1500;

export interface ActivitiesContext {
  plan: Plan;
  planDir: string;
  outDir: string;
  resourcesDir: string;
  runId: string;
  runDir: string;
  startedAt: number;
  tesHistory?: TesScore[];
  prepared: PreparedTarget[];
  extensions: ProbeExtension[];
  record(type: string, data: unknown, durable: boolean): void;
  output(targetId: string, data: string): void;
  onHalting(): void;
}

export class RunActivities {
  readonly recorder: Recorder;
  readonly targets: TargetSet;
  private readonly sampling: SampleTaker;
  private readonly taker: PulseTaker;
  private readonly tracker: TesTracker;
  private readonly store = new DisposableStore();
  /** The run's cgroup (or the weaker process tree): opened with the run, closed when it ends. */
  containment: RunContainment | null = null;
  private baseline: IntegrityBaseline | null = null;
  private readonly reportedFindings = new Set<string>();
  private haltReason: string | null = null;
  private maxDurationReached = false;
  private wake: (() => void) | null = null;
  private probeStartAt = 0;
  private readonly bursts: Bursts;
  private readonly fileIo: PulseFileIo;
  private resolveHalting!: () => void;
  private readonly halting = new Promise<void>((r) => (this.resolveHalting = r));

  constructor(private readonly c: ActivitiesContext) {
    const plan = c.plan;
    this.recorder = new Recorder(c.runId);
    this.taker = new PulseTaker({ thresholds: plan.thresholds, timeoutSec: plan.pulses.timeoutSec });
    this.tracker = new TesTracker(plan.tes);
    this.bursts = new Bursts(plan);
    this.targets = new TargetSet(
      c.runDir,
      {
        record: c.record,
        event: (kind, message, extra) => this.event(kind, message, extra),
        anomaly: (code, severity, message, data) => this.anomaly(code, severity, message, data),
        findings: (f) => this.reportFindings(f),
        publish: () => this.recorder.targets(this.targets.states()),
        output: c.output,
        isHalting: () => this.haltReason !== null,
      },
      this.store,
    );
    const gov = () => this.baseline?.governanceFolder ?? null;
    this.fileIo = new PulseFileIo(plan.thresholds.fileIo, c.runDir, this.targets, gov, this);
    this.sampling = new SampleTaker(plan, this.recorder, this.targets, {
      anomaly: (code, severity, message, data) => this.anomaly(code, severity, message, data),
      requestHalt: (reason) => this.requestHalt(reason),
    });
  }

  event(kind: string, message: string, extra: Partial<RunEventRecord> = {}): void {
    this.recorder.event({ at: Date.now(), kind, message, ...extra });
  }

  anomaly(
    code: Anomaly['code'],
    severity: Anomaly['severity'],
    message: string,
    data?: Record<string, unknown>,
  ): void {
    this.recorder.anomaly({ at: Date.now(), code, severity, message, ...(data ? { data } : {}) });
  }

  requestHalt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.resolveHalting();
    this.c.onHalting();
    this.wake?.();
  }

  knownPids(): number[] {
    return this.sampling.knownPids();
  }

  recordStart(confirmation: Confirmation): void {
    recordRunStart({ ...this.c, containment: this.containment?.info ?? null }, confirmation);
    this.event('run', `run ${this.c.runId} of plan ${this.c.plan.id} confirmed by ${confirmation.by}`);
  }

  /** Interrupted runs of this report folder, each an anomaly of this run. */
  async recoverInterrupted(): Promise<void> {
    const { found, error } = await findInterruptedRuns(this.c.outDir, this.c.runId);
    if (error) this.anomaly('RECOVERY_FAILED', 'warning', `could not check for interrupted runs: ${error}`);
    for (const f of found) this.anomaly('INTERRUPTED_RUN_FOUND', 'warning', f.message, f.data);
  }

  async steadyStateBefore(): Promise<void> {
    const plan = this.c.plan;
    const gov = plan.governance.folder ? path.resolve(this.c.planDir, plan.governance.folder) : null;
    this.baseline = await takeBaseline(
      gov,
      plan.governance.sentinels.map((s) => path.resolve(this.c.planDir, s)),
    );
    const b = this.baseline;
    this.reportFindings(b.findings);
    this.c.record(
      'integrity.baseline',
      { governanceFolder: gov, governanceHash: b.governanceHash, sentinels: b.sentinels },
      true,
    );
    // A first sample gives the CPU figures a real interval before the pulse that reads them.
    this.sampling.sampler.sample([]);
    await sleep(Math.min(1000, plan.sampling.intervalMs));
    this.sampling.sample();
    await this.pulse('before', 0, Date.now());
  }

  async act(): Promise<void> {
    const plan = this.c.plan;
    for (const p of this.c.prepared)
      this.targets.add(
        p,
        () => this.sampling.sampler.seenFor(p.instanceId),
        this.containment?.cellFor(p.instanceId),
        this.containment?.networks,
        this.containment?.isolate,
      );
    await this.targets.scanBeforeStart();
    this.recorder.targets(this.targets.states());
    this.tracker.markStart();
    const spawnAt = Date.now();
    await this.targets.startAll();
    this.recorder.targets(this.targets.states());
    // The probe's clock starts once every target is up (a kernel boots for seconds): slots
    // planned during a boot would otherwise fire late and read as skipped pulses and gaps.
    const t0 = (this.probeStartAt = Date.now());
    for (const e of this.bursts.clockEvents(t0, spawnAt)) this.event('run', e.message, { data: e.data });
    this.store.add(this.sampling.schedule(t0, plan.sampling.intervalMs));
    this.store.add(
      scheduleAt(t0, every(plan.snapshots.cadenceSec * 1000), (f) =>
        this.sampling.snapshot(f.index, f.plannedAt, t0),
      ),
    );
    this.store.add(
      this.bursts.start(t0, {
        snapshot: (slot, plannedAt) => this.sampling.snapshot(slot, plannedAt, t0),
        pulse: (burst, plannedAt) => this.pulse('during', burst, plannedAt),
      }),
    );
    const api = this.extensionApi();
    // The probe ends when its tasks have ended and the extensions that are its work are done
    // (services are then stopped); a plan of services alone runs to its max duration. Events
    // inside a probe (a kernel pause) never hold it open.
    const work = this.c.extensions.map((e) => {
      const done = e.run(api).catch((err) => {
        this.anomaly('EXTENSION_FAILED', 'critical', `${e.name}: ${toCodedError(err).message}`);
      });
      return e.endsRun ? done : null;
    });
    const ends = [...this.targets.tasks().map((i) => i.target.exited), ...work.filter((w) => w !== null)];
    const deadline = t0 + plan.run.maxDurationSec * 1000;
    let deadlineTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      ends.length ? Promise.all(ends) : new Promise<never>(() => {}),
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
  }

  /** Always runs: schedules stopped, extensions disposed, every target stopped, logs closed. */
  async cleanUp(): Promise<void> {
    this.store.dispose();
    for (const e of this.c.extensions) {
      try {
        e.dispose();
      } catch (err) {
        this.anomaly('EXTENSION_FAILED', 'warning', `${e.name} dispose: ${String(err)}`);
      }
    }
    const reason: StopReason = this.sampling.trip
      ? 'guard-rail'
      : this.haltReason
        ? 'halt'
        : this.maxDurationReached
          ? 'max-duration'
          : 'completed';
    await this.targets.stopAll(reason);
    await this.bursts.settled(EXIT_GRACE_MS);
    await raceTimeout(Promise.all(this.targets.list.map((i) => i.target.exited)), EXIT_GRACE_MS);
    const left = await this.containment?.close();
    if (left?.survivors.length)
      this.anomaly(
        'CONTAINMENT_SURVIVORS',
        'critical',
        `alive after the run's cgroup was killed: ${left.survivors.join(', ')}`,
      );
    this.recorder.targets(this.targets.states());
    this.targets.closeLogs();
  }

  async steadyStateAfter(): Promise<void> {
    for (let k = 0; k < this.c.plan.pulses.after; k++) {
      if (k > 0) await sleep(AFTER_PULSE_SPACING_MS);
      await this.pulse('after', 0, Date.now());
    }
  }

  conclude(runError: unknown): Promise<RunConclusion> {
    return conclude({
      plan: this.c.plan,
      targets: this.targets,
      tracker: this.tracker,
      recorder: this.recorder,
      extensions: this.c.extensions,
      api: this.extensionApi(),
      tesHistory: this.c.tesHistory ?? [],
      baseline: this.baseline,
      integrityNow: () => this.integrityNow(),
      probeStartAt: this.probeStartAt,
      schedule: this.bursts.schedule,
      burstWindows: this.bursts.windows,
      startedAt: this.c.startedAt,
      halted: this.haltReason !== null || runError !== null,
      haltReason: () => this.haltReason,
      skippedPulses: this.taker.skipped,
      record: this.c.record,
      anomaly: (code, severity, message, data) => this.anomaly(code, severity, message, data),
    });
  }

  disposeTargets(): void {
    for (const i of this.targets.list) i.target.dispose();
  }

  dispose(): void {
    this.store.dispose();
  }

  /** The one integrity check of the run (a pulse's and the final one); findings become anomalies. */
  private async integrityNow(): Promise<IntegrityCheck | null> {
    if (!this.baseline) return null;
    const c = await checkIntegrity(this.baseline);
    this.reportFindings(c.findings);
    return c;
  }

  /** Paths the lab would not or could not read, each reported once; every missed deadline counts. */
  private reportFindings(findings: readonly FileFinding[]): void {
    for (const f of findings) {
      const key = `${f.code}\0${f.path}\0${f.fileType}`;
      if (!f.code.endsWith('DEADLINE_MISSED') && this.reportedFindings.has(key)) continue;
      this.reportedFindings.add(key);
      const severity = f.code.startsWith('INTEGRITY') ? 'critical' : 'warning';
      this.anomaly(f.code, severity, `${f.path} (${f.fileType}): ${f.reason}`, { ...f });
    }
  }

  private async pulse(phase: PulsePhase, burst: number, plannedAt: number): Promise<void> {
    const t = this.c.plan.thresholds;
    try {
      const r = await this.taker.take(phase, burst, plannedAt, this.targets.list, this.tracker.lastProbe);
      if ('skipped' in r) {
        this.recordPulse(r.skipped);
        return;
      }
      // After the stamp: nothing below counts into the pulse's latency. Hashing and scanning
      // run side by side in the worker; their time is the lab's work, recorded apart.
      // File I/O first, on its own: the worker's hashing would otherwise share the disk with it.
      const fileIo = await this.fileIo.measure(r.taken.seq);
      const tasks = this.targets.tasks();
      const [integrity, scan] = await Promise.all([this.integrityNow(), this.targets.footprints(tasks)]);
      const labWorkMs = Math.max(integrity?.labWorkMs ?? 0, scan.labWorkMs);
      const tes = this.tracker.provisional(tasks);
      const host = this.sampling.host();
      const probeTes = tes.probe?.score ?? null;
      const p = scorePulse(r.taken, {
        thresholds: t,
        host,
        integrity,
        labWorkMs,
        tes: tes.scores,
        probeTes,
        tesDelta: this.tracker.advance(probeTes),
      });
      if (integrity) {
        this.recorder.integrityCheck(integrity);
        if (!integrity.ok)
          this.anomaly(
            'INTEGRITY_CHANGED',
            'critical',
            `governance/sentinel files changed: ${integrity.changed.join(', ')}`,
            { changed: integrity.changed },
          );
      }
      this.recordPulse({ ...p, fileIo });
      if (tes.scores.length) this.recorder.tesScores(tes.scores);
    } catch (err) {
      this.anomaly('PULSE_FAILED', 'critical', `pulse ${phase} failed: ${toCodedError(err).message}`);
    }
  }

  private recordPulse(p: Pulse): void {
    this.recorder.pulse(p);
    if (p.latencyClass === 'skipped')
      this.anomaly('PULSE_SKIPPED', 'critical', `pulse ${p.seq} (${p.phase}) skipped`);
    else if (p.latencyClass === 'critical')
      this.anomaly('PULSE_LATE', 'critical', `pulse ${p.seq} took ${(p.latencyMs / 1000).toFixed(2)} s`);
  }

  private extensionApi(): ExtensionApi {
    const c = this.c;
    return {
      plan: c.plan,
      runId: c.runId,
      runDir: c.runDir,
      planDir: c.planDir,
      resourcesDir: c.resourcesDir,
      targets: () => new Map(this.targets.list.map((i) => [i.state.targetId, i.target])),
      record: (type, data, durable) => c.record(type, data, durable ?? false),
      event: (kind, message, data, targetId) =>
        this.event(kind, message, { ...(data ? { data } : {}), ...(targetId ? { targetId } : {}) }),
      anomaly: (code, severity, message, data) => this.anomaly(code, severity, message, data),
      pulseNow: async () => {
        const before = this.recorder.pulseCount;
        await this.pulse('during', 0, Date.now());
        return this.recorder.pulseCount > before ? this.recorder.lastPulse : null;
      },
      latestSample: () => this.recorder.samples.at(-1) ?? null,
      anomalies: this.recorder.anomalies,
      isHalting: () => this.haltReason !== null,
      halting: this.halting,
      requestHalt: (reason) => this.requestHalt(reason),
      cellFor: (name) => this.containment?.cellFor(name) ?? null,
    };
  }
}
