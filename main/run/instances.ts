/**
 * The run's live targets: each prepared target created, its output logged and tailed, its start,
 * exit and stop recorded. A target is never restarted (safe mode has no retry).
 */
import fs from 'node:fs';
import path from 'node:path';
import { diffScans, scanFolders, type FolderScan, type FootprintDiff } from '../evidence/footprint';
import type { Anomaly, FileFinding, LatencyClass, RunEventRecord, TargetState } from '../model/evidence';
import type { ProcIdentity } from '../lab/process-tree';
import type { Target, TargetExit } from '../lab/target';
import { toCodedError } from '../util/errors';
import type { DisposableStore } from '../util/event';
import type { PreparedTarget } from './targets';
import type { CgroupCell } from '../lab/cgroup';
import type { RunNetworks } from '../lab/netns';
import { OutputTail } from './output-tail';

/** Output tail kept per target for late joiners. */
const OUTPUT_TAIL_CHARS = 16 * 1024;

export type StopReason = 'halt' | 'completed' | 'max-duration' | 'guard-rail' | 'error';

export interface Instance {
  prepared: PreparedTarget;
  target: Target;
  state: TargetState;
  /** Null when the scan before the start missed its deadline: no footprint is then claimed. */
  scanBefore: FolderScan | null;
  exit: TargetExit | null;
  pulseClasses: LatencyClass[];
  tail: OutputTail;
  logFd: number;
}

export interface TargetHooks {
  record(type: string, data: unknown, durable: boolean): void;
  event(kind: string, message: string, extra?: Partial<RunEventRecord>): void;
  anomaly(
    code: Anomaly['code'],
    severity: Anomaly['severity'],
    message: string,
    data?: Record<string, unknown>,
  ): void;
  /** Paths a scan would not or could not read, and missed deadlines. */
  findings(findings: FileFinding[]): void;
  publish(): void;
  output(targetId: string, data: string): void;
  isHalting(): boolean;
}

/** TES scores task runs; services (lab kernels, agents with role "service") are not tasks. */
export const isTask = (i: Instance): boolean =>
  i.prepared.spec.kind === 'agent' && i.prepared.spec.role === 'task';

export class TargetSet {
  readonly list: Instance[] = [];

  constructor(
    private readonly runDir: string,
    private readonly hooks: TargetHooks,
    private readonly store: DisposableStore,
  ) {}

  add(
    p: PreparedTarget,
    seen: () => ProcIdentity[],
    cell: CgroupCell | null = null,
    nets?: RunNetworks,
    isolate: ((file: string, args: string[]) => { file: string; args: string[] }) | null = null,
  ): void {
    fs.mkdirSync(p.workdir, { recursive: true });
    // Asked for by the plan only; where the host cannot, the reason travels with the target.
    const wantsNs = p.spec.kind === 'agent' && p.spec.network === 'namespace';
    const net = wantsNs ? (nets?.forTarget(p.instanceId) ?? { reason: 'no run containment' }) : null;
    const logFd = fs.openSync(path.join(this.runDir, 'output', `${p.instanceId}.log`), 'a');
    const inst: Instance = {
      prepared: p,
      target: p.create({ seen, cell, net, isolate }),
      exit: null,
      pulseClasses: [],
      tail: new OutputTail(OUTPUT_TAIL_CHARS),
      scanBefore: null,
      logFd,
      state: {
        targetId: p.instanceId,
        state: 'pending',
        pid: null,
        exitCode: null,
        filesChanged: 0,
        outputBytes: 0,
      },
    };
    this.list.push(inst);
    this.wire(inst);
  }

  /** The scan before any target starts, in the file-check worker. */
  async scanBeforeStart(): Promise<void> {
    const before = await scanFolders(this.list.map((i) => i.target.workdir));
    this.hooks.findings(before.findings);
    this.list.forEach((i, k) => (i.scanBefore = before.scans[k] ?? null));
  }

  /**
   * The one place working folders are scanned (in the file-check worker, never on this loop):
   * the files each target changed so far, kept as they were where the scan missed its deadline
   * (its diff is then null).
   */
  async footprints(
    list: readonly Instance[],
  ): Promise<{ diffs: (FootprintDiff | null)[]; labWorkMs: number }> {
    const r = await scanFolders(list.map((i) => i.target.workdir));
    this.hooks.findings(r.findings);
    const diffs = list.map((i, k) => {
      const after = r.scans[k];
      const d = after && i.scanBefore ? diffScans(i.scanBefore, after) : null;
      if (d) i.state.filesChanged = d.total;
      return d;
    });
    return { diffs, labWorkMs: r.labWorkMs };
  }

  private backgroundScan: Promise<unknown> | null = null;

  /** Starts a scan of every folder unless one is running; whoever reads states() sees the last. */
  refreshFootprints(): void {
    this.backgroundScan ??= this.footprints(this.list)
      .catch((err) =>
        this.hooks.anomaly('FOOTPRINT_FAILED', 'warning', `footprint scan failed: ${String(err)}`),
      )
      .finally(() => (this.backgroundScan = null));
  }

  states(): TargetState[] {
    return this.list.map((i) => ({ ...i.state }));
  }

  tasks(): Instance[] {
    return this.list.filter(isTask);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.list.map((i) => this.start(i)));
  }

  /**
   * Stops every target there is now. Not memoized: a halt that lands before the targets exist
   * must not stand in for the stop after them (target.stop() is idempotent).
   */
  async stopAll(reason: StopReason): Promise<void> {
    await Promise.all(
      this.list.map(async (i) => {
        try {
          await i.target.stop(reason);
        } catch (err) {
          this.hooks.anomaly('STOP_FAILED', 'critical', `could not stop ${i.state.targetId}: ${String(err)}`);
        }
      }),
    );
  }

  closeLogs(): void {
    for (const i of this.list) {
      try {
        fs.closeSync(i.logFd);
      } catch {
        /* already closed */
      }
    }
  }

  private wire(i: Instance): void {
    const id = i.state.targetId;
    const t = i.target;
    const h = this.hooks;
    this.store.add(
      t.onDidOutput((data) => {
        try {
          fs.writeSync(i.logFd, data);
        } catch (err) {
          h.anomaly('OUTPUT_WRITE_FAILED', 'warning', `${id}: output log write failed: ${String(err)}`);
        }
        i.state.outputBytes += data.length;
        i.tail.push(data);
        h.output(id, data);
      }),
    );
    this.store.add(
      t.onDidProblem((p) => h.anomaly(p.code, 'warning', `${id}: ${p.message}`, { sample: p.sample })),
    );
    this.store.add(
      t.onDidSignal((s) => {
        if (s.type !== 'heartbeat' && s.type !== 'pong')
          h.event(`agent.${s.type}`, `${id}: ${s.type}`, { targetId: id, data: s.data });
      }),
    );
    void t.exited.then((exit) => {
      i.exit = exit;
      i.state.state = exit.outcome === 'exited' ? 'exited' : exit.outcome === 'failed' ? 'failed' : 'stopped';
      i.state.exitCode = exit.exitCode;
      // Recorded, never restarted: safe mode has no retry and no self-invocation.
      h.record('target.exit', { targetId: id, ...exit }, true);
      h.event(
        'target',
        `${id} ${i.state.state} (code ${exit.exitCode}${exit.signal ? `, signal ${exit.signal}` : ''}) after ${(exit.runMs / 1000).toFixed(1)} s; not restarted`,
        { targetId: id },
      );
      if (exit.outcome === 'failed')
        h.anomaly('TARGET_FAILED', 'warning', `${id} failed with code ${exit.exitCode}`);
      h.publish();
    });
  }

  private async start(i: Instance): Promise<void> {
    const id = i.state.targetId;
    if (this.hooks.isHalting()) {
      // Halted before this target was spawned: it never starts.
      i.state.state = 'stopped';
      this.hooks.event('target', `${id} not started: the run is halting`, { targetId: id });
      return;
    }
    i.state.state = 'starting';
    try {
      await i.target.start();
      const [pid] = i.target.rootPids();
      i.state.pid = pid ?? null;
      if (i.state.state === 'starting') i.state.state = 'running';
      // pid and process group are recorded durably: after a crash the next start finds them.
      this.hooks.record('target.spawn', { targetId: id, pid, pgid: pid, ...i.target.describe() }, true);
      this.hooks.event('target', `${id} started (pid ${pid})`, { targetId: id });
    } catch (err) {
      const coded = toCodedError(err);
      i.state.state = 'failed';
      this.hooks.anomaly(coded.code, 'critical', `${id} could not start: ${coded.message}`);
      throw err;
    }
  }
}
