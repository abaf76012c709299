/**
 * One validator invocation: the allowlisted executable, spawned with child_process in its own
 * process group (so a halt or a timeout kills its whole tree), PROBE_LAB_RUN_ID in its env (so crash
 * recovery finds it), stdout and stderr hashed as they stream. Never retried: a spawn failure is an
 * `error` verdict with its message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { ResolvedCommand } from '../../safety/allowlist';
import { killTree } from '../../lab/process-tree';
import { wrapInCell, type CgroupCell } from '../../lab/cgroup';
import { ARTIFACT_PLACEHOLDER, type BurstConfig } from './schema';
import type { Invocation, Verdict } from './stats';
import { atTargetPriority } from '../../lab/priority';

/** Characters of stdout kept as a sample for the report (the hash covers everything). */
const SAMPLE_CHARS = 200;
/** Only these variables of the console's own environment reach a validator; the plan adds its own. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ'];
/**
 * Validators run at this nice level. Measured on 2 cores: 100 validators at the default priority
 * starve the console itself (snapshot coverage fell to 20%, pulses near critical); niced, the
 * console keeps its schedule and the validators still get every idle cycle.
 */
export const VALIDATOR_NICE = 10;

export function validatorArgs(resolved: ResolvedCommand, args: string[], artifact: string): string[] {
  const withPath = args.some((a) => a.includes(ARTIFACT_PLACEHOLDER))
    ? args.map((a) => a.split(ARTIFACT_PLACEHOLDER).join(artifact))
    : [...args, artifact];
  return [...resolved.prefixArgs, ...withPath];
}

export function validatorEnv(planEnv: Record<string, string>, runId: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  // Plan env first: Probe Lab's own variable always wins (plans that set it are refused at parse).
  return { ...env, ...planEnv, PROBE_LAB_RUN_ID: runId };
}

export interface LaunchOptions {
  resolved: ResolvedCommand;
  validator: BurstConfig['validator'];
  compare: BurstConfig['compare'];
  artifact: string;
  repetition: number;
  cwd: string;
  runId: string;
  /** The run's validators cell: the validator and anything it leaves behind die with the run. */
  cell?: CgroupCell | null;
}

/** A running invocation: `done` always resolves (never rejects); `kill` stops its process tree. */
export interface LaunchedInvocation {
  readonly pid: number | undefined;
  readonly done: Promise<Invocation>;
  kill(): Promise<void>;
}

export function launchValidator(o: LaunchOptions): LaunchedInvocation {
  const t0 = performance.now();
  const stdoutHash = createHash('sha256');
  const stderrHash = createHash('sha256');
  let sample = '';
  let stoppedBy: 'timeout' | 'halt' | null = null;
  let child: ChildProcess;
  const base = { repetition: o.repetition, artifact: o.artifact };
  const settle = (
    verdict: Verdict,
    exitCode: number | null,
    signal: string | null,
    error?: string,
  ): Invocation => ({
    ...base,
    verdict,
    exitCode,
    signal,
    latencyMs: Math.round((performance.now() - t0) * 100) / 100,
    outputHash:
      o.compare === 'verdict'
        ? ''
        : o.compare === 'stdout'
          ? stdoutHash.digest('hex')
          : `${stdoutHash.digest('hex')}:${stderrHash.digest('hex')}`,
    sample,
    ...(error ? { error } : {}),
  });
  try {
    const args = validatorArgs(o.resolved, o.validator.args, o.artifact);
    const inner = o.cell ? wrapInCell(o.cell, o.resolved.file, args) : { file: o.resolved.file, args };
    const cmd = atTargetPriority(inner.file, inner.args);
    child = spawn(cmd.file, cmd.args, {
      cwd: o.cwd,
      env: validatorEnv(o.validator.env, o.runId),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const inv = settle('error', null, null, `spawn failed: ${(err as Error).message}`);
    return { pid: undefined, done: Promise.resolve(inv), kill: async () => {} };
  }
  const pid = child.pid;
  if (pid !== undefined) {
    try {
      os.setPriority(pid, VALIDATOR_NICE);
    } catch {
      /* already exited */
    }
  }
  const kill = async (): Promise<void> => {
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) await killTree([pid], 200);
  };
  const done = new Promise<Invocation>((resolve) => {
    let spawnError: string | null = null;
    const timer = setTimeout(() => {
      stoppedBy ??= 'timeout';
      void kill();
    }, o.validator.timeoutSec * 1000);
    child.stdout?.on('data', (d: Buffer) => {
      stdoutHash.update(d);
      if (sample.length < SAMPLE_CHARS) sample = (sample + d.toString('utf8')).slice(0, SAMPLE_CHARS);
    });
    child.stderr?.on('data', (d: Buffer) => stderrHash.update(d));
    child.on('error', (err) => {
      spawnError = err.message;
      // A process that never existed emits no reliable 'close': settle here.
      if (pid === undefined) finish(settle('error', null, null, `spawn failed: ${err.message}`));
    });
    let settled = false;
    const finish = (inv: Invocation) => {
      settled = true;
      clearTimeout(timer);
      resolve(inv);
    };
    child.on('close', (code, signal) => {
      if (settled) return;
      const resolve = finish;
      if (stoppedBy === 'halt') return resolve(settle('not-run', code, signal, 'stopped by the halt'));
      if (stoppedBy === 'timeout')
        return resolve(settle('timeout', code, signal, `no exit within ${o.validator.timeoutSec} s`));
      if (spawnError !== null || code === null)
        return resolve(settle('error', code, signal, spawnError ?? `killed by ${signal}`));
      if (o.validator.passExitCodes.includes(code)) return resolve(settle('pass', code, null));
      if (o.validator.failExitCodes.includes(code)) return resolve(settle('fail', code, null));
      resolve(settle('error', code, null, `exit code ${code} is neither a pass nor a fail code`));
    });
  });
  return {
    pid,
    done,
    kill: async () => {
      stoppedBy ??= 'halt';
      await kill();
    },
  };
}
