/**
 * The engine host: every channel of the contract, implemented once over the engine, for Electron
 * IPC and for the loopback server alike. Inputs are parsed by the contract's schemas before they
 * are trusted; every answer is a Reply; nothing throws across the boundary.
 *
 * Only this host turns a person's confirmation into the engine's Confirmation: after the
 * transport's native dialog (Electron), or after a challenge the person answered by typing the
 * plan id (browser). A caller cannot hand in a confirmation of its own.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import {
  Invoke,
  type HistoryRow,
  type PlanCheck,
  type OutputBatch,
  type Reply,
  type RunPreview,
  type RunState,
  type RunStreamEvent,
  type RunSummary,
  type Settings,
} from '../../preload/contract';
import { ConfirmationAuthority } from '../safety/confirmation';
import { parsePlanText } from '../model/plan';
import { findPlanById, listPlanSummaries, savePlanText, summaryOf, type LoadedPlan } from '../plans/catalog';
import { planWarnings } from '../plans/evidence-schedule';
import { buildPreview } from '../run/preview';
import type { RegisteredTargets } from '../run/targets';
import { registeredOf } from './settings-effect';
import { ProbeRun } from '../run/runner';
import { previousProbeTes } from '../reports/history';
import { compareReports, historyRows, openReport, reviewReport } from './report-access';
import { Emitter, DisposableStore } from '../util/event';
import { LabError, toCodedError } from '../util/errors';
import { zodIssues } from '../model/plan';
import { RUN_STATE_WINDOW } from '../model/api';
import type { AckChannel } from '../lab/pty-session';
import type { ConfirmMode, LabHost, SettingsStore } from './host';

/** A typed challenge is for now, not for later. */
const CHALLENGE_TTL_MS = 2 * 60 * 1000;

/** The latest RUN_STATE_WINDOW entries of a growing list (see RunStateSchema). */
const latest = <T>(list: readonly T[]): T[] =>
  list.length > RUN_STATE_WINDOW ? list.slice(list.length - RUN_STATE_WINDOW) : [...list];

export interface LabHostOptions {
  settings: SettingsStore;
  resourcesDir: string;
  /** Overrides the settings' report folder (serve --reports). */
  reportFolder?: string;
}

interface Challenge {
  id: string;
  loaded: LoadedPlan;
  preview: RunPreview;
  expiresAt: number;
}

interface HostedRun {
  run: ProbeRun;
  title: string;
  thresholdsEnd: RunStreamEvent | null;
  acks: Map<string, AckChannel>;
  store: DisposableStore;
}

export function createLabHost(opts: LabHostOptions): LabHost {
  return new EngineHost(opts);
}

class EngineHost implements LabHost {
  private readonly authority = new ConfirmationAuthority();
  private readonly challenges = new Map<string, Challenge>();
  private readonly runs = new Map<string, HostedRun>();
  private readonly runEmitter = new Emitter<RunStreamEvent>();
  private readonly outputEmitter = new Emitter<OutputBatch>();
  readonly onDidRunEvent = this.runEmitter.event;
  readonly onDidOutput = this.outputEmitter.event;

  constructor(private readonly opts: LabHostOptions) {}

  /** Read per call: a change in Settings applies to the next preview, run and History at once. */
  private reportFolder(): string {
    return path.resolve(this.opts.reportFolder ?? this.opts.settings.get().reportFolder);
  }

  private registered(): RegisteredTargets {
    return registeredOf(this.opts.settings.get());
  }

  private withEffective(s: Settings): Settings {
    const overriddenBy = this.opts.reportFolder ? 'probe-lab serve --reports' : null;
    return { ...s, effective: { reportFolder: this.reportFolder(), overriddenBy } };
  }

  async invoke(channel: string, input: unknown, confirm: ConfirmMode): Promise<Reply<unknown>> {
    if (!Object.prototype.hasOwnProperty.call(Invoke, channel)) {
      return {
        ok: false,
        error: { code: 'IPC_INVALID', message: `unknown channel "${String(channel).slice(0, 80)}"` },
      };
    }
    const schema = Invoke[channel as keyof typeof Invoke];
    const parsed = schema.safeParse(input ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'IPC_INVALID',
          message: `invalid input for ${channel}`,
          issues: zodIssues(parsed.error),
        },
      };
    }
    try {
      return { ok: true, value: await this.handle(channel as keyof typeof Invoke, parsed.data, confirm) };
    } catch (err) {
      return { ok: false, error: toCodedError(err) };
    }
  }

  private loadRef(ref: { id: string } | { text: string }): LoadedPlan {
    if ('id' in ref) return findPlanById(ref.id);
    const plan = parsePlanText(ref.text, 'plan');
    return { plan, text: ref.text, planDir: this.opts.resourcesDir + '/plans', path: null, source: 'text' };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async handle(channel: keyof typeof Invoke, input: any, confirm: ConfirmMode): Promise<unknown> {
    switch (channel) {
      case 'plans.list':
        return listPlanSummaries();
      case 'plans.get': {
        const l = findPlanById(input.id);
        return { summary: summaryOf(l), text: l.text };
      }
      case 'plans.check':
        return this.checkPlan(input.text);
      case 'plans.save':
        return summaryOf(savePlanText(input.text));
      case 'runs.preview': {
        const l = this.loadRef(input.plan);
        return buildPreview(l.plan, {
          planDir: l.planDir,
          resourcesDir: this.opts.resourcesDir,
          outDir: this.reportFolder(),
          registered: this.registered(),
        });
      }
      case 'runs.requestStart':
        return this.requestStart(this.loadRef(input.plan), confirm);
      case 'runs.answerChallenge':
        return this.answerChallenge(input.challengeId, input.typedPlanId);
      case 'runs.halt': {
        const h = this.mustRun(input.runId);
        const r = await h.run.halt('halted by the architect from the console');
        return { runId: input.runId, stoppedWithinMs: r.stoppedWithinMs };
      }
      case 'runs.list':
        return [...this.runs.values()].map((h) => this.summary(h));
      case 'runs.state':
        return this.state(this.mustRun(input.runId));
      case 'output.ack': {
        this.mustRun(input.runId).acks.get(input.targetId)?.ack(input.chars);
        return null;
      }
      case 'reports.list':
        return this.history();
      case 'reports.open':
        return this.openReport(input.reportPath);
      case 'reports.export':
        return this.exportHistory(input.format);
      case 'reports.review':
        return reviewReport(this.reportFolder(), input);
      case 'reports.compare':
        return compareReports(this.reportFolder(), input);
      case 'settings.get':
        return this.withEffective(this.opts.settings.get());
      case 'settings.set':
        return this.withEffective(this.opts.settings.set(input as Partial<Settings>));
    }
  }

  private checkPlan(text: string) {
    try {
      const plan = parsePlanText(text, 'plan');
      const loaded: LoadedPlan = {
        plan,
        text,
        planDir: path.join(this.opts.resourcesDir, 'plans'),
        path: null,
        source: 'text',
      };
      try {
        buildPreview(plan, {
          planDir: loaded.planDir,
          resourcesDir: this.opts.resourcesDir,
          registered: this.registered(),
        });
      } catch (err) {
        const e = toCodedError(err);
        return {
          valid: false,
          issues: e.issues ?? [{ path: 'targets', code: e.code, message: e.message }],
          summary: summaryOf(loaded),
        };
      }
      // A valid plan may still be unable to produce seed 000's evidence: said, not refused.
      const warnings: PlanCheck['warnings'] = planWarnings(plan);
      return { valid: true, issues: [], summary: summaryOf(loaded), warnings };
    } catch (err) {
      const e = toCodedError(err);
      return {
        valid: false,
        issues: e.issues ?? [{ path: '(root)', code: e.code, message: e.message }],
        summary: null,
      };
    }
  }

  private async requestStart(loaded: LoadedPlan, confirm: ConfirmMode) {
    const preview = buildPreview(loaded.plan, {
      planDir: loaded.planDir,
      resourcesDir: this.opts.resourcesDir,
      outDir: this.reportFolder(),
      registered: this.registered(),
    });
    if (confirm.kind === 'challenge') {
      this.pruneChallenges();
      const c: Challenge = {
        id: crypto.randomBytes(16).toString('hex'),
        loaded,
        preview,
        expiresAt: Date.now() + CHALLENGE_TTL_MS,
      };
      this.challenges.set(c.id, c);
      return {
        kind: 'challenge',
        challengeId: c.id,
        planId: loaded.plan.id,
        preview,
        expiresAt: c.expiresAt,
      };
    }
    const yes = await confirm.confirm(preview);
    if (!yes) return { kind: 'declined' };
    return { kind: 'started', runId: this.start(loaded, 'dialog') };
  }

  private answerChallenge(id: string, typed: string) {
    const c = this.challenges.get(id);
    // One answer per challenge, right or wrong: a wrong guess cannot be followed by another.
    this.challenges.delete(id);
    if (!c)
      throw new LabError(
        'CONFIRM_INVALID',
        'no such challenge (expired, answered already, or never issued): start again',
      );
    if (Date.now() > c.expiresAt) throw new LabError('CONFIRM_INVALID', 'challenge expired: start again');
    if (typed !== c.loaded.plan.id)
      throw new LabError(
        'CONFIRM_MISMATCH',
        `typed "${typed.slice(0, 64)}" does not match the plan id; nothing started`,
      );
    return { runId: this.start(c.loaded, 'challenge') };
  }

  private pruneChallenges(): void {
    const now = Date.now();
    for (const [k, c] of this.challenges) if (c.expiresAt < now) this.challenges.delete(k);
  }

  private start(loaded: LoadedPlan, by: 'dialog' | 'challenge'): string {
    const confirmation = this.authority.issue(loaded.plan, by);
    const outDir = this.reportFolder();
    const run = new ProbeRun({
      plan: loaded.plan,
      planDir: loaded.planDir,
      confirmation,
      authority: this.authority,
      outDir,
      resourcesDir: this.opts.resourcesDir,
      tesHistory: previousProbeTes(outDir, loaded.plan.id),
      registered: this.registered(),
    });
    run.open();
    const h: HostedRun = {
      run,
      title: loaded.plan.title,
      thresholdsEnd: null,
      acks: new Map(),
      store: new DisposableStore(),
    };
    this.runs.set(run.runId, h);
    this.wire(h);
    void run.run().catch((err) => {
      this.runEmitter.fire({
        type: 'event',
        runId: run.runId,
        event: { at: Date.now(), kind: 'error', message: toCodedError(err).message },
      });
    });
    return run.runId;
  }

  /** The UI stream is one output of the run: every recorded event, as recorded, once. */
  private wire(h: HostedRun): void {
    const { run, store } = h;
    const runId = run.runId;
    store.add(
      run.onDidRecord((e) => {
        if (e.type === 'end') h.thresholdsEnd = e;
        this.runEmitter.fire(e);
        if (e.type === 'targets') this.openAcks(h);
        if (e.type === 'end') {
          for (const a of h.acks.values()) a.dispose();
          h.acks.clear();
          store.dispose();
        }
      }),
    );
    store.add(run.onDidOutput(({ targetId, data }) => this.outputEmitter.fire({ runId, targetId, data })));
  }

  /** The console is a flow-control participant for each target's pty (VS Code's watermarks). */
  private openAcks(h: HostedRun): void {
    for (const t of h.run.targetStatesWithPty()) {
      if (!h.acks.has(t.targetId) && t.pty) h.acks.set(t.targetId, t.pty.openAckChannel());
    }
  }

  private mustRun(runId: string): HostedRun {
    const h = this.runs.get(runId);
    if (!h) throw new LabError('RUN_NOT_FOUND', `no run "${runId.slice(0, 64)}" in this console`);
    return h;
  }

  private summary(h: HostedRun): RunSummary {
    return { ...h.run.summary(), title: h.title };
  }

  private state(h: HostedRun): RunState {
    const r = h.run;
    const t = r.plan.thresholds;
    return {
      run: this.summary(h),
      maxDurationSec: r.plan.run.maxDurationSec,
      pulses: r.pulses,
      samples: latest(r.samples),
      snapshots: latest(r.snapshots),
      coverage: r.coverage,
      tes: r.tes,
      integrity: r.integrity,
      events: latest(r.events),
      anomalies: latest(r.anomalies),
      targets: r.targetStates(),
      output: r.outputTails(),
      guardRails: { ...t.guard },
      thresholds: { pulseWarnSec: t.pulse.warnSec, pulseCritSec: t.pulse.critSec },
    };
  }

  private history(): HistoryRow[] {
    return historyRows(this.reportFolder());
  }

  /** Opens a report only from inside the report folder: a path from the page is never trusted. */
  private openReport(reportPath: string) {
    return openReport(this.reportFolder(), reportPath);
  }

  private exportHistory(format: 'csv' | 'json') {
    const rows = this.history();
    if (format === 'json')
      return {
        filename: 'probe-lab-history.json',
        mime: 'application/json',
        body: JSON.stringify(rows, null, 2),
      };
    const esc = (v: unknown) => {
      const s = String(v ?? '');
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const head = ['date', 'planId', 'title', 'verdict', 'tes', 'coveragePct', 'signature', 'reportPath'];
    const lines = rows.map((r) =>
      [
        new Date(r.date).toISOString(),
        r.planId,
        r.title,
        r.verdict,
        r.tes,
        r.coveragePct,
        r.signature,
        r.reportPath,
      ]
        .map(esc)
        .join(','),
    );
    return {
      filename: 'probe-lab-history.csv',
      mime: 'text/csv',
      body: [head.join(','), ...lines].join('\n') + '\n',
    };
  }

  async haltAll(): Promise<void> {
    await Promise.all(
      [...this.runs.values()]
        .filter((h) => h.run.status !== 'ended')
        .map((h) => h.run.halt('console closing')),
    );
  }

  dispose(): void {
    this.runEmitter.dispose();
    this.outputEmitter.dispose();
  }
}
