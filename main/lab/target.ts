/**
 * A probe target: something the engine spawns through node-pty, watches and stops. Local agents
 * (main/lab/agent-target.ts) and the QEMU lab kernel (main/lab/kernel/) both implement this.
 */
import type { Disposable, Event } from '../util/event';
import type { CgroupCell } from './cgroup';
import type { AnomalyCode } from '../model/anomaly';

export type TargetKind = 'agent' | 'lab-kernel';

/** Why a target stopped, from the engine's point of view. */
export type StopReason = 'completed' | 'max-duration' | 'halt' | 'guard-rail' | 'error';

export interface TargetHealth {
  /** The process (tree) exists and is not stopped or a zombie. */
  alive: boolean;
  /** Answered the responsiveness check in time; null when the check does not apply (e.g. exited). */
  responsive: boolean | null;
  /** Round trip of the responsiveness check, measured from write to answer. */
  rttMs: number | null;
  /** How this was measured, in words (shown in reports). */
  method: string;
  detail: string;
}

export interface TargetExit {
  exitCode: number | null;
  signal: number | null;
  /**
   * exited: ended by itself with code 0; failed: ended by itself with a non-zero code or a signal;
   * stopped: the engine stopped it (halt, max duration, guard rail).
   */
  outcome: 'exited' | 'failed' | 'stopped';
  stopReason: StopReason | null;
  /** Wall-clock ms since epoch. */
  at: number;
  /** ms from start to exit, measured with the monotonic clock. */
  runMs: number;
}

/** A structured event a target reported (agents: `@lab {json}` lines; kernels: parsed serial output). */
export interface TargetSignal {
  type: string;
  at: number;
  data: Record<string, unknown>;
}

export interface TargetDescription {
  id: string;
  kind: TargetKind;
  command: string;
  args: string[];
  cwd: string;
}

export interface Target extends Disposable {
  readonly id: string;
  readonly kind: TargetKind;
  /** The working folder; for agents, footprint (files changed) is measured here. */
  readonly workdir: string;
  /** The cgroup cell holding every process of the target, when the host gives one. */
  readonly cell?: CgroupCell | null;
  describe(): TargetDescription;
  /** Spawns the target. Resolves once it is running (kernels: once the ready marker was seen). */
  start(): Promise<void>;
  /** The root pids of the target's process trees (empty before start and after exit). */
  rootPids(): number[];
  health(timeoutMs: number): Promise<TargetHealth>;
  /** Graceful stop, a named grace period, then a forced kill of the whole tree. Idempotent. */
  stop(reason: StopReason): Promise<void>;
  /** Resolves once, when the target has exited (by itself or stopped). */
  readonly exited: Promise<TargetExit>;
  readonly onDidOutput: Event<string>;
  readonly onDidSignal: Event<TargetSignal>;
  /** Problems with what the target sent (malformed protocol lines, bad QMP replies). */
  readonly onDidProblem: Event<{ code: AnomalyCode; message: string; sample: string }>;
}

/** A command resolved against the plan's allowlist (main/safety/allowlist.ts). */
export interface ResolvedCommand {
  /** What is handed to the pty: the file to execute ... */
  file: string;
  /** ... and the arguments placed before the plan's own (the bundled agent's script path). */
  prefixArgs: string[];
  /** The identity compared against the allowlist: a real path, or the bundled agent's name. */
  identity: string;
}
