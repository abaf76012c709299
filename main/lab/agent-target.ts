/**
 * A local agent: any registered command, spawned on a pty in its own working folder. Its output is
 * captured and scanned for `@lab {json}` protocol lines; its responsiveness is checked with a ping
 * round trip (or output activity, liveness only, or a service check: http, tcp, exec; see
 * health-checks.ts), as the plan says.
 */
import crypto from 'node:crypto';
import type { HealthCheck } from '../model/plan';
import type { ResolvedCommand } from './target';
import { Emitter } from '../util/event';
import type { AnomalyCode } from '../model/anomaly';
import { PtySession } from './pty-session';
import { readStat, type ProcIdentity } from './process-tree';
import { wrapInCell, type CgroupCell } from './cgroup';
import { stopTarget } from './contained-kill';
import { NetNamespace } from './netns';
import { execHealth, httpHealth, tcpHealth } from './health-checks';
import type { StopReason, Target, TargetDescription, TargetExit, TargetHealth, TargetSignal } from './target';

/** Lines longer than this are not protocol lines; scanning stops there so a flood costs nothing. */
const MAX_PROTOCOL_LINE = 64 * 1024;

/** What starts a protocol line's body (followed by a space). */
const MARKER = '@lab';

/**
 * The unfinished last line, as far as the scanner needs it: a line with a marker is kept (up to
 * MAX_PROTOCOL_LINE, past which it is no protocol line), a line without one only as its last
 * characters, where a marker split across two reads may begin. A flood of long lines thus keeps
 * a few characters, not a copy of each.
 */
function keptPartial(line: string): string {
  if (line.includes(MARKER)) return line.slice(-MAX_PROTOCOL_LINE);
  // Three characters: V8 copies slices this short, so the whole chunk is not held by them.
  return line.slice(-(MARKER.length - 1));
}

/** Malformed `@lab` lines recorded one by one per target (see AgentTarget.malformed). */
export const MAX_MALFORMED_REPORTED = 100;

/** The longest event type an agent may name. */
const MAX_TYPE_CHARS = 64;

/**
 * What is wrong with a parsed `@lab` line, or null: an object whose `type` is a string of 1 to 64
 * characters; every other field is the event's data. Checked by hand rather than with zod: twenty
 * idle agents send twenty heartbeats a second, and zod's copy of every passthrough field was a
 * fifth of the engine's CPU per heartbeat (bench/observer-overhead.ts, profiled).
 */
export function protocolProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '(root): expected an object';
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string') return 'type: expected a string';
  if (type.length < 1 || type.length > MAX_TYPE_CHARS)
    return `type: expected 1 to ${MAX_TYPE_CHARS} characters, got ${type.length}`;
  return null;
}

export interface AgentTargetOptions {
  id: string;
  resolved: ResolvedCommand;
  args: string[];
  env: Record<string, string>;
  workdir: string;
  health: HealthCheck;
  /** An exec health check's command, resolved against the plan's allowlist like the target's. */
  healthCommand?: ResolvedCommand;
  /** Processes seen in this target's tree by the sampler, for killing escapees. */
  seen?: () => ProcIdentity[];
  /** The target's cgroup cell; null or absent: the weaker process-tree containment. */
  cell?: CgroupCell | null;
  /** The plan asked for a network namespace: the one made for it, or why the host gave none. */
  net?: NetNamespace | { reason: string } | null;
  /** Where no cell can be made: the PID namespace wrapper (see main/lab/pid-namespace.ts). */
  isolate?: ((file: string, args: string[]) => { file: string; args: string[] }) | null;
}

export class AgentTarget implements Target {
  readonly kind = 'agent' as const;
  readonly id: string;
  readonly workdir: string;
  private malformedLines = 0;
  private session: PtySession | null = null;
  private readonly outputEmitter = new Emitter<string>();
  private readonly signalEmitter = new Emitter<TargetSignal>();
  private readonly problemEmitter = new Emitter<{ code: AnomalyCode; message: string; sample: string }>();
  readonly onDidOutput = this.outputEmitter.event;
  readonly onDidSignal = this.signalEmitter.event;
  readonly onDidProblem = this.problemEmitter.event;
  readonly exited: Promise<TargetExit>;
  readonly cell: CgroupCell | null;
  /** Its own network namespace (plan `network: "namespace"` on a host that permits it). */
  readonly netns: NetNamespace | null;
  /** Why a namespace was asked for and not given (the target then runs on the host's network). */
  readonly netnsReason: string | null;
  private resolveExited!: (e: TargetExit) => void;
  private stopReason: StopReason | null = null;
  private startedMono = 0;
  private partial = '';
  private pongWaiters = new Map<string, (at: number) => void>();
  lastOutputAt = 0;
  outputBytes = 0;

  constructor(private readonly opts: AgentTargetOptions) {
    this.id = opts.id;
    this.workdir = opts.workdir;
    this.cell = opts.cell ?? null;
    const net = opts.net ?? null;
    this.netns = net instanceof NetNamespace ? net : null;
    this.netnsReason = net && !(net instanceof NetNamespace) ? net.reason : null;
    this.exited = new Promise((r) => (this.resolveExited = r));
  }

  describe(): TargetDescription {
    return {
      id: this.id,
      kind: 'agent',
      command: this.opts.resolved.file,
      args: [...this.opts.resolved.prefixArgs, ...this.opts.args],
      cwd: this.workdir,
    };
  }

  async start(): Promise<void> {
    if (this.session) return;
    const d = this.describe();
    // Contained targets enter their cell before the command runs (see ENTER_CELL_SCRIPT), then
    // their namespace: `ip netns exec` execs the confirmed command itself, inside both.
    const inner = this.netns ? this.netns.wrap(d.command, d.args) : { file: d.command, args: d.args };
    const isolated = this.opts.isolate ? this.opts.isolate(inner.file, inner.args) : inner;
    const spawn = this.cell ? wrapInCell(this.cell, isolated.file, isolated.args) : isolated;
    const netEnv: Record<string, string> = this.netns ? { PROBE_LAB_NET_ADDR: this.netns.nsAddr } : {};
    const session = PtySession.spawn({
      file: spawn.file,
      args: spawn.args,
      cwd: this.workdir,
      env: { ...this.opts.env, ...netEnv },
    });
    this.session = session;
    this.startedMono = performance.now();
    // Protocol lines are parsed at arrival (pong timing); output goes on in flushed batches.
    session.onDidRawData((data) => this.parseProtocol(data));
    session.onDidData((data) => this.onData(data));
    void session.exited.then(({ exitCode, signal }) => {
      const runMs = performance.now() - this.startedMono;
      const outcome: TargetExit['outcome'] = this.stopReason
        ? 'stopped'
        : exitCode === 0 && !signal
          ? 'exited'
          : 'failed';
      for (const w of this.pongWaiters.values()) w(NaN);
      this.pongWaiters.clear();
      this.resolveExited({ exitCode, signal, outcome, stopReason: this.stopReason, at: Date.now(), runMs });
    });
  }

  /** For the output sink: flow-control acknowledgements go straight to the pty. */
  get pty(): PtySession | null {
    return this.session;
  }

  rootPids(): number[] {
    return this.session && !this.session.hasExited ? [this.session.pid] : [];
  }

  private onData(data: string): void {
    this.outputBytes += data.length;
    this.outputEmitter.fire(data);
  }

  private parseProtocol(data: string): void {
    this.lastOutputAt = Date.now();
    // Cheap path for floods: nothing that could be a protocol line in this chunk. It scans the
    // chunk in place: joining it to the partial line first copied every byte of a flood once more
    // (bench/pty-ingest.ts, profiled). The marker may straddle two reads: the few characters kept
    // of a marker-free partial line, joined to this chunk's head, are checked for it.
    if (
      !data.includes(MARKER) &&
      !this.partial.includes(MARKER) &&
      !(this.partial + data.slice(0, MARKER.length - 1)).includes(MARKER)
    ) {
      const nl = data.lastIndexOf('\n');
      this.partial = keptPartial(nl >= 0 ? data.slice(nl + 1) : this.partial + data);
      return;
    }
    const text = this.partial + data;
    const lines = text.split(/\r*\n/);
    this.partial = keptPartial(lines.pop() ?? '');
    for (const line of lines) {
      const at = line.indexOf('@lab ');
      if (at < 0) continue;
      this.onProtocolLine(line.slice(at + 5).trim());
    }
  }

  /**
   * A malformed line is an anomaly, the first MAX_MALFORMED_REPORTED of them one by one; past that
   * a target flooding bad lines would turn every line into a durable ledger record (an fsync each),
   * so one more anomaly says the rest are only in the output log, which keeps every byte.
   */
  private malformed(message: string, body: string): void {
    this.malformedLines++;
    if (this.malformedLines > MAX_MALFORMED_REPORTED + 1) return;
    const past = this.malformedLines > MAX_MALFORMED_REPORTED;
    this.problemEmitter.fire({
      code: 'AGENT_OUTPUT_MALFORMED',
      message: past
        ? `more than ${MAX_MALFORMED_REPORTED} malformed @lab lines: later ones are not recorded one by one (the output log holds them all)`
        : message,
      sample: body.slice(0, 200),
    });
  }

  private onProtocolLine(body: string): void {
    if (body.startsWith('ping ')) return; // our own ping, echoed by a terminal that kept echo on
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return this.malformed('not JSON after "@lab "', body);
    }
    const problem = protocolProblem(parsed);
    if (problem !== null) return this.malformed(problem, body);
    const { type, ...data } = parsed as { type: string } & Record<string, unknown>;
    if (type === 'pong' && typeof data.nonce === 'string') {
      this.pongWaiters.get(data.nonce)?.(performance.now());
      this.pongWaiters.delete(data.nonce);
    }
    this.signalEmitter.fire({ type, at: Date.now(), data });
  }

  async health(timeoutMs: number): Promise<TargetHealth> {
    const pid = this.session?.pid;
    const st = pid && !this.session?.hasExited ? readStat(pid) : null;
    const alive = st !== null && st.state !== 'Z' && st.state !== 'T' && st.state !== 't';
    const stateWord = st ? `state ${st.state}` : 'no process';
    if (!alive) {
      return {
        alive: false,
        responsive: null,
        rttMs: null,
        method: 'liveness from /proc/<pid>/stat',
        detail: stateWord,
      };
    }
    const check = this.opts.health;
    if (check.type === 'alive') {
      return {
        alive,
        responsive: null,
        rttMs: null,
        method: 'liveness from /proc/<pid>/stat',
        detail: stateWord,
      };
    }
    if (check.type === 'output') {
      const ago = this.lastOutputAt ? Date.now() - this.lastOutputAt : Infinity;
      return {
        alive,
        responsive: ago <= check.withinSec * 1000,
        rttMs: null,
        method: `output activity within ${check.withinSec} s`,
        detail: Number.isFinite(ago) ? `last output ${Math.round(ago)} ms ago` : 'no output yet',
      };
    }
    const via = this.netns?.nsAddr;
    if (check.type === 'http') return { alive, ...(await httpHealth(check, timeoutMs, via)) };
    if (check.type === 'tcp') return { alive, ...(await tcpHealth(check, timeoutMs, via)) };
    if (check.type === 'exec') {
      const resolved = this.opts.healthCommand;
      if (!resolved) throw new Error(`target ${this.id}: exec health check without a resolved command`);
      const where = { env: this.opts.env, cwd: this.workdir };
      return { alive, ...(await execHealth(check, resolved, where, timeoutMs)) };
    }
    const nonce = crypto.randomBytes(6).toString('hex');
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<number>((resolve) => {
      this.pongWaiters.set(nonce, resolve);
      timer = setTimeout(() => resolve(NaN), timeoutMs);
    });
    this.session?.write(`@lab ping ${nonce}\r`);
    const t1 = await answered;
    clearTimeout(timer);
    this.pongWaiters.delete(nonce);
    const ok = Number.isFinite(t1);
    return {
      alive,
      responsive: ok,
      rttMs: ok ? Math.round((t1 - t0) * 100) / 100 : null,
      method: 'ping round trip through the pty (write to matching pong)',
      detail: ok ? 'pong received' : `no pong within ${timeoutMs} ms`,
    };
  }

  async stop(reason: StopReason): Promise<void> {
    if (!this.session) return;
    if (!this.session.hasExited) this.stopReason ??= reason;
    await stopTarget({
      cell: this.cell,
      roots: this.rootPids(),
      seen: this.opts.seen?.() ?? [],
      ...(this.opts.env.PROBE_LAB_RUN_ID ? { runId: this.opts.env.PROBE_LAB_RUN_ID } : {}),
      targetId: this.id,
    });
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (t = setTimeout(r, 1000)))]);
    clearTimeout(t);
  }

  dispose(): void {
    this.session?.dispose();
    this.outputEmitter.dispose();
    this.signalEmitter.dispose();
    this.problemEmitter.dispose();
  }
}
