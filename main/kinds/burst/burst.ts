/**
 * The burst itself: every artifact through the validator, `concurrency` at a time, the whole set
 * `repeat` times. Each invocation is reported as it completes (the extension writes it to the
 * ledger); a stop kills every live validator tree and launches nothing more. Usable on its own
 * (the load report script drives it at several concurrency levels) and inside a probe run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedCommand } from '../../safety/allowlist';
import { LabError } from '../../util/errors';
import { MAX_ARTIFACTS, type BurstConfig } from './schema';
import { launchValidator, type LaunchedInvocation } from './validator-process';
import type { CgroupCell } from '../../lab/cgroup';
import {
  countVerdicts,
  findNondeterminism,
  percentiles,
  type Invocation,
  type NondeterministicArtifact,
  type Percentiles,
  type Verdict,
} from './stats';

/**
 * Launches per event-loop turn (see launchGate): 1 keeps the console's worst stall near 0.2 s but
 * caps how many validators overlap; 4 reaches a higher peak for a stall still under a pulse's warn level.
 */
export const LAUNCHES_PER_TURN = 4;

export interface RepetitionSummary {
  repetition: number;
  wallMs: number;
  invocations: number;
  throughputPerSec: number;
  latencyMs: Percentiles | null;
  verdicts: Record<Verdict, number>;
  /** Most validator processes alive at once during this repetition. */
  peakConcurrency: number;
}

export interface BurstOutcome {
  artifacts: number;
  concurrency: number;
  repeat: number;
  completed: boolean;
  invocations: Invocation[];
  repetitions: RepetitionSummary[];
  latencyMs: Percentiles | null;
  throughputPerSec: number;
  verdicts: Record<Verdict, number>;
  nondeterministic: NondeterministicArtifact[];
  peakConcurrency: number;
}

/** Regular files (no symlinks, no folders) directly in `folder` whose names end in a suffix. */
export function listArtifacts(folder: string, suffixes: string[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch (err) {
    throw new LabError(
      'PLAN_INVALID',
      `artifact folder ${folder} cannot be read: ${(err as Error).message}`,
      [
        {
          path: 'burst.artifacts.folder',
          code: 'custom',
          message: (err as NodeJS.ErrnoException).code ?? 'unreadable',
        },
      ],
    );
  }
  const files = entries
    .filter((e) => e.isFile() && (suffixes.length === 0 || suffixes.some((s) => e.name.endsWith(s))))
    .map((e) => path.join(folder, e.name))
    .sort();
  if (!files.length)
    throw new LabError('PLAN_INVALID', `artifact folder ${folder} holds no matching file`, [
      { path: 'burst.artifacts', code: 'custom', message: 'no artifacts' },
    ]);
  if (files.length > MAX_ARTIFACTS)
    throw new LabError(
      'PLAN_INVALID',
      `artifact folder ${folder} holds ${files.length} files, more than ${MAX_ARTIFACTS}`,
      [{ path: 'burst.artifacts', code: 'too_big', message: `over ${MAX_ARTIFACTS}` }],
    );
  return files;
}

export interface BurstHooks {
  onInvocation?(inv: Invocation): void;
  onRepetition?(r: RepetitionSummary): void;
}

export class Burst {
  private readonly live = new Set<LaunchedInvocation>();
  private stopped = false;
  /**
   * Launches pass through this chain one event-loop turn apart. spawn() is synchronous (tens of ms
   * under load): measured on 2 cores, 100 launches in one tick blocked the console's timers for
   * 3.7 s; one per turn lets pulses, snapshots and samples run between them.
   */
  private launchGate: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: {
      config: BurstConfig;
      resolved: ResolvedCommand;
      artifacts: string[];
      cwd: string;
      runId: string;
      /** Every validator enters this cell before it runs (see wrapInCell). */
      cell?: CgroupCell | null;
      /** Defaults to LAUNCHES_PER_TURN; the load report measures other values against it. */
      launchesPerTurn?: number;
    },
    private readonly hooks: BurstHooks = {},
  ) {}

  /** Pids of validator processes alive right now. */
  livePids(): number[] {
    return [...this.live].flatMap((l) => (l.pid === undefined ? [] : [l.pid]));
  }

  /** Launches nothing more and kills every live validator tree. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.live].map((l) => l.kill()));
  }

  async run(): Promise<BurstOutcome> {
    const { config, artifacts } = this.opts;
    const all: Invocation[] = [];
    const reps: RepetitionSummary[] = [];
    for (let rep = 1; rep <= config.repeat; rep++) {
      const t0 = performance.now();
      const results = await this.repetition(rep);
      all.push(...results.invocations);
      const done = results.invocations.filter((i) => i.verdict !== 'not-run');
      const wallMs = performance.now() - t0;
      const summary: RepetitionSummary = {
        repetition: rep,
        wallMs: Math.round(wallMs),
        invocations: done.length,
        throughputPerSec: wallMs > 0 ? Math.round((done.length / wallMs) * 1000 * 10) / 10 : 0,
        latencyMs: percentiles(done.map((i) => i.latencyMs)),
        verdicts: countVerdicts(results.invocations),
        peakConcurrency: results.peak,
      };
      reps.push(summary);
      this.hooks.onRepetition?.(summary);
      if (this.stopped) break;
    }
    const done = all.filter((i) => i.verdict !== 'not-run');
    const wall = reps.reduce((a, r) => a + r.wallMs, 0);
    const expected = artifacts.length * config.repeat;
    return {
      artifacts: artifacts.length,
      concurrency: config.concurrency,
      repeat: config.repeat,
      completed: done.length === expected,
      invocations: all,
      repetitions: reps,
      latencyMs: percentiles(done.map((i) => i.latencyMs)),
      throughputPerSec: wall > 0 ? Math.round((done.length / wall) * 1000 * 10) / 10 : 0,
      verdicts: { ...countVerdicts(all), 'not-run': countVerdicts(all)['not-run'] + (expected - all.length) },
      nondeterministic: findNondeterminism(all),
      peakConcurrency: Math.max(0, ...reps.map((r) => r.peakConcurrency)),
    };
  }

  private launchesThisTurn = 0;
  private nextLaunchTurn(): Promise<void> {
    if (++this.launchesThisTurn < (this.opts.launchesPerTurn ?? LAUNCHES_PER_TURN)) return this.launchGate;
    this.launchesThisTurn = 0;
    const turn = this.launchGate.then(() => new Promise<void>((r) => setImmediate(r)));
    this.launchGate = turn;
    return turn;
  }

  private async repetition(rep: number): Promise<{ invocations: Invocation[]; peak: number }> {
    const { config, artifacts } = this.opts;
    const out: Invocation[] = [];
    let next = 0;
    let peak = 0;
    const worker = async () => {
      while (!this.stopped) {
        const artifact = artifacts[next++];
        if (artifact === undefined) return;
        await this.nextLaunchTurn();
        if (this.stopped) {
          out.push({
            repetition: rep,
            artifact,
            verdict: 'not-run',
            exitCode: null,
            signal: null,
            latencyMs: 0,
            outputHash: '',
            sample: '',
            error: 'stopped before launch',
          });
          return;
        }
        const l = launchValidator({
          resolved: this.opts.resolved,
          validator: config.validator,
          compare: config.compare,
          artifact,
          repetition: rep,
          cwd: this.opts.cwd,
          runId: this.opts.runId,
          cell: this.opts.cell ?? null,
        });
        this.live.add(l);
        peak = Math.max(peak, this.live.size);
        const inv = await l.done;
        this.live.delete(l);
        out.push(inv);
        this.hooks.onInvocation?.(inv);
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, artifacts.length) }, worker));
    return { invocations: out, peak };
  }
}
