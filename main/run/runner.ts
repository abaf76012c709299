/**
 * The run loop, in Chaos Toolkit's shape (chaoslib/run.py): open the ledger before anything runs;
 * steady state (baseline, a pulse before); act (targets and the kinds' work, with pulses in bursts,
 * snapshots and samples on fixed schedules); always clean up in `finally`; steady state again
 * (pulses after); conclude and normalise the status to PASS, FAIL or HALTED. Every data point is
 * recorded once by the recorder, and every output (ledger, report, UI stream, CLI view) gets it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LedgerFileFactory } from '../evidence/ledger-file';
import type { RunSummary } from '../model/api';
import type { TargetState, TesScore, ThresholdResult, Verdict } from '../model/evidence';
import type { Plan } from '../model/plan';
import type { PtySession } from '../lab/pty-session';
import { isAlive } from '../lab/process-tree';
import { PROBE_KINDS, labKernelTarget } from '../kinds/index';
import { parseKinds, type ProbeKind } from '../kinds/kind';
import type { ReportFiles } from '../reports/report';
import type { Confirmation, ConfirmationAuthority } from '../safety/confirmation';
import { acquireFolderLock, type FolderLock } from '../safety/run-lock';
import { Emitter } from '../util/event';
import { toCodedError } from '../util/errors';
import { RunActivities } from './activities';
import { LedgerOutput } from './ledger-output';
import type { RunOutput } from './output';
import { ReportOutput } from './report-output';
import { createTargets, type RegisteredTargets } from './targets';
import { RunContainment } from '../safety/containment';

export interface RunContext {
  plan: Plan;
  /** Folder that relative governance and sentinel paths resolve from. */
  planDir: string;
  /** Checked (MAC, plan hash, expiry, single use) by `authority` before anything is prepared. */
  confirmation: Confirmation;
  /** The authority of the process that asked the person: the only one whose confirmations count. */
  authority: ConfirmationAuthority;
  outDir: string;
  resourcesDir: string;
  /** The ledger's file layer (tests inject disk-full, I/O and short-write faults here). */
  ledgerFileFactory?: LedgerFileFactory;
  /** Earlier probe TES of the same plan, oldest first, for drift. */
  tesHistory?: TesScore[];
  runId?: string;
  /** The probe kinds (default: the composition root's list). */
  kinds?: readonly ProbeKind[];
  /** Agents and the kernel registered in Settings, which a plan may name. */
  registered?: RegisteredTargets;
}

export interface RunResult {
  runId: string;
  verdict: Verdict;
  /** 0 PASS, 1 FAIL, 3 HALTED, 5 INCOMPLETE (main/cli/common.ts's table). */
  exitCode: 0 | 1 | 3 | 5;
  thresholds: ThresholdResult[];
  probeTes: TesScore | null;
  report: ReportFiles;
  haltReason: string | null;
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

  private readonly act: RunActivities;
  private readonly outputEmitter = new Emitter<{ targetId: string; data: string }>();
  /** Every recorded data point, as the one stream event every output receives. */
  readonly onDidRecord;
  /** Target output (the terminal stream, with its own flow control); it goes to the log, not the ledger. */
  readonly onDidOutput = this.outputEmitter.event;
  private ledger: LedgerOutput | null = null;
  private report: ReportOutput | null = null;
  private readonly pendingOutputs: RunOutput[] = [];
  private lock: FolderLock | null = null;

  constructor(private readonly ctx: RunContext) {
    // The run itself consumes the confirmation: a forged, reused, expired or other-plan one throws
    // CONFIRM_INVALID here, before a target is resolved, a folder made or a process spawned.
    ctx.authority.consume(ctx.plan, ctx.confirmation);
    this.runId = ctx.runId ?? newRunId();
    this.runDir = path.join(ctx.outDir, 'runs', this.runId);
    // A bad kind section or a command off the allowlist is refused before anything exists.
    const sections = parseKinds(ctx.plan, ctx.kinds ?? PROBE_KINDS);
    const prepared = createTargets(ctx.plan, {
      planDir: ctx.planDir,
      resourcesDir: ctx.resourcesDir,
      runDir: this.runDir,
      runId: this.runId,
      kernelTarget: labKernelTarget,
      ...(ctx.registered ? { registered: ctx.registered } : {}),
    });
    this.act = new RunActivities({
      ...ctx,
      runId: this.runId,
      runDir: this.runDir,
      startedAt: this.startedAt,
      prepared,
      extensions: sections.map((s) => s.kind.create(s.section, ctx.plan)),
      record: (type, data, durable) => this.ledger?.record(type, data, durable),
      output: (targetId, data) => this.outputEmitter.fire({ targetId, data }),
      onHalting: () => {
        if (this.status === 'running') this.status = 'halting';
      },
    });
    this.onDidRecord = this.act.recorder.onDidRecord;
  }

  get plan(): Plan {
    return this.ctx.plan;
  }
  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }
  /** Every pulse, read back from the recorder's store on each read: read once. */
  get pulses() {
    return this.act.recorder.pulses;
  }
  get pulseCount(): number {
    return this.act.recorder.pulseCount;
  }
  get samples() {
    return this.act.recorder.samples;
  }
  /** The latest snapshots and those an anomaly review needs; snapshotCount counts them all. */
  get snapshots() {
    return this.act.recorder.snapshots;
  }
  get snapshotCount(): number {
    return this.act.recorder.snapshotCount;
  }
  get events() {
    return this.act.recorder.events;
  }
  get anomalies() {
    return this.act.recorder.anomalies;
  }
  get tes() {
    return this.act.recorder.tes;
  }
  get integrity() {
    return this.act.recorder.integrity;
  }
  get coverage() {
    return this.act.recorder.coverage;
  }

  targetStates(): TargetState[] {
    return this.act.targets.states();
  }

  /** Target states with each agent's pty, for flow-control participants such as the console. */
  targetStatesWithPty(): { targetId: string; pty: PtySession | null }[] {
    return this.act.targets.list.map((i) => ({
      targetId: i.state.targetId,
      pty: (i.target as { pty?: PtySession | null }).pty ?? null,
    }));
  }

  outputTails(): { targetId: string; tail: string }[] {
    return this.act.targets.list.map((i) => ({ targetId: i.state.targetId, tail: i.tail.text }));
  }

  /** The run's containment (cgroup v2, v1 or the process tree): known once the run is opened. */
  get containment(): RunContainment | null {
    return this.act.containment;
  }

  /** Every pid the run has started or seen, for crash recovery and orphan checks. */
  knownPids(): number[] {
    return this.act.knownPids();
  }

  summary(): RunSummary {
    return {
      runId: this.runId,
      planId: this.plan.id,
      title: this.plan.title,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      status: this.status,
      verdict: this.verdict,
      reportPath: this.reportPath,
    };
  }

  /** An observer of the run (the CLI view): it gets every event from the moment it is added. */
  addOutput(o: RunOutput): void {
    if (this.ledger) this.act.recorder.addOutput(o, this.meta());
    else this.pendingOutputs.push(o);
  }

  /** Stops every process of the probe; resolves once none is left (or the survivors are named). */
  async halt(reason = 'halted by the architect'): Promise<{ stoppedWithinMs: number; survivors: number[] }> {
    const t0 = performance.now();
    this.act.requestHalt(reason);
    await this.act.targets.stopAll('halt');
    const contained = this.act.containment?.livePids() ?? [];
    const survivors = [...new Set([...this.knownPids().filter(isAlive), ...contained])];
    return { stoppedWithinMs: Math.round(performance.now() - t0), survivors };
  }

  /**
   * Takes the folder lock, opens the ledger and records the start: synchronous, so a refusal
   * (folder busy, ledger not writable) reaches the caller before anything runs.
   */
  open(): void {
    if (this.ledger) return;
    fs.mkdirSync(this.ctx.outDir, { recursive: true });
    this.lock = acquireFolderLock(this.ctx.outDir, this.runId);
    try {
      fs.mkdirSync(path.join(this.runDir, 'output'), { recursive: true });
      this.ledger = new LedgerOutput(
        path.join(this.runDir, 'ledger.jsonl'),
        {
          runId: this.runId,
          ...(this.ctx.ledgerFileFactory ? { fileFactory: this.ctx.ledgerFileFactory } : {}),
        },
        (reason) => this.act.requestHalt(reason),
      );
    } catch (err) {
      this.lock.release();
      throw err;
    }
    this.act.containment = RunContainment.open(this.runId);
    this.report = new ReportOutput(this.ledger);
    // The ledger first: the report binds its head, and observers see only what was journalled.
    for (const o of [this.ledger, this.report, ...this.pendingOutputs.splice(0)])
      this.act.recorder.addOutput(o, this.meta());
    this.act.recordStart(this.ctx.confirmation);
  }

  /** Opens (if not yet) and runs the probe to its end; always releases the lock. */
  async run(): Promise<RunResult> {
    this.open();
    try {
      await this.act.recoverInterrupted();
      // Steady state before: integrity baseline, a sample, a pulse.
      await this.act.steadyStateBefore();
      let runError: unknown = null;
      try {
        await this.act.act();
      } catch (err) {
        runError = err;
        this.act.anomaly('RUN_ERROR', 'critical', `run error: ${toCodedError(err).message}`);
        this.act.requestHalt('run error');
      } finally {
        await this.act.cleanUp();
      }
      // Steady state after, then the verdict: PASS, FAIL or HALTED.
      await this.act.steadyStateAfter();
      const end = await this.act.conclude(runError);
      await this.act.recorder.stopOutputs(end);
      this.verdict = end.verdict;
      this.endedAt = end.endedAt;
      this.reportPath = this.report?.files?.markdown ?? null;
      this.status = 'ended';
      const report = this.report?.files;
      if (!report) throw new Error('the report was not written');
      this.act.recorder.ended(this.summary(), end.thresholds);
      this.act.disposeTargets();
      return {
        runId: this.runId,
        verdict: end.verdict,
        exitCode:
          end.verdict === 'PASS' ? 0 : end.verdict === 'HALTED' ? 3 : end.verdict === 'INCOMPLETE' ? 5 : 1,
        thresholds: end.thresholds,
        probeTes: end.probeTes,
        report,
        haltReason: end.haltReason,
      };
    } finally {
      this.act.dispose();
      await this.act.containment?.close();
      this.ledger?.close();
      this.lock?.release();
    }
  }

  private meta() {
    return {
      runId: this.runId,
      runDir: this.runDir,
      outDir: this.ctx.outDir,
      plan: this.ctx.plan,
      confirmation: this.ctx.confirmation,
      startedAt: this.startedAt,
      containment: this.act.containment?.info ?? null,
    };
  }
}
