/**
 * The validation-burst probe kind (seed 003 tasks 1 and 4): a registered validator over a folder of
 * artifacts, many at once, the whole set several times, inside the one run loop. Every invocation
 * goes to the ledger; any artifact whose verdict or output differs between repetitions is a
 * critical anomaly and fails the `validation determinism` threshold. Validator errors are recorded,
 * never retried.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ThresholdResult } from '../../model/evidence';
import { toCodedError } from '../../util/errors';
import { configDir } from '../../util/config-dir';
import { resolveAllowed } from '../../safety/allowlist';
import { checkEnv } from '../../safety/env-policy';
import { escapeForDisplay, shellQuote, shellQuoteArgv } from '../../util/escape';
import { acquireFolderLock, type FolderLock } from '../../safety/run-lock';
import {
  defineKind,
  type ExtensionApi,
  type ExtensionResult,
  type PreviewContext,
  type ProbeExtension,
} from '../kind';
import type { Plan } from '../../model/plan';
import { Burst, listArtifacts, type BurstOutcome } from './burst';
import { parseBurstSection, type BurstConfig } from './schema';

export const BURST_EXTENSION = 'validation-burst';
/** Anomalies beyond this many of one code are summarised in one more, so a broken validator cannot flood the ledger. */
const MAX_ANOMALIES_PER_CODE = 25;

class ValidationBurst implements ProbeExtension {
  readonly name = BURST_EXTENSION;
  readonly endsRun = true;
  private burst: Burst | null = null;
  private outcome: BurstOutcome | null = null;
  private failure: string | null = null;
  private expected = 0;
  /** Settles once the burst ended (completed or stopped) and its findings are in the ledger. */
  private settled: Promise<void> = Promise.resolve();
  private lock: FolderLock | null = null;

  constructor(private readonly config: BurstConfig) {}

  async run(api: ExtensionApi): Promise<void> {
    const c = this.config;
    const folder = path.resolve(api.planDir, c.artifacts.folder);
    let burst: Burst;
    try {
      const resolved = resolveAllowed(c.validator.command, api.plan.allowlist, {
        resourcesDir: api.resourcesDir,
        baseDir: api.planDir,
      });
      const artifacts = listArtifacts(folder, c.artifacts.suffixes);
      this.lock = lockArtifactFolder(folder, api.runId);
      const cwd = path.join(api.runDir, 'burst');
      fs.mkdirSync(cwd, { recursive: true });
      this.expected = artifacts.length * c.repeat;
      burst = new Burst(
        { config: c, resolved, artifacts, cwd, runId: api.runId, cell: api.cellFor?.('validators') ?? null },
        {
          onInvocation: (inv) =>
            api.record('burst.invocation', { ...inv, artifact: path.relative(folder, inv.artifact) }),
          onRepetition: (r) => {
            api.record('burst.repetition', r, true);
            api.event(
              'burst',
              `repetition ${r.repetition}/${c.repeat}: ${r.invocations} validations in ${(r.wallMs / 1000).toFixed(2)} s (${r.throughputPerSec}/s, p99 ${r.latencyMs?.p99 ?? '-'} ms)`,
            );
          },
        },
      );
      api.record(
        'burst.start',
        {
          validator: { ...c.validator, identity: resolved.identity },
          folder,
          artifacts: artifacts.length,
          concurrency: c.concurrency,
          repeat: c.repeat,
          compare: c.compare,
        },
        true,
      );
      api.event(
        'burst',
        `validating ${artifacts.length} artifacts x ${c.repeat} with ${resolved.identity}, ${c.concurrency} at once`,
      );
    } catch (err) {
      const e = toCodedError(err);
      this.failure = `${e.code}: ${e.message}`;
      api.anomaly(e.code, 'critical', `validation burst refused: ${e.message}`);
      return;
    }
    this.burst = burst;
    void api.halting.then(() => burst.stop());
    if (api.isHalting()) await burst.stop();
    this.settled = burst
      .run()
      .then((outcome) => {
        this.outcome = outcome;
        this.recordFindings(api, outcome, folder);
      })
      .finally(() => this.releaseLock());
    await this.settled;
  }

  private recordFindings(api: ExtensionApi, o: BurstOutcome, folder: string): void {
    const rel = (p: string) => path.relative(folder, p);
    o.nondeterministic.forEach((n, k) => {
      api.record('burst.nondeterminism', { ...n, artifact: rel(n.artifact) }, true);
      if (k < MAX_ANOMALIES_PER_CODE)
        api.anomaly(
          'VALIDATION_NONDETERMINISTIC',
          'critical',
          `${rel(n.artifact)}: ${n.differs.join(' and ')} differed between repetitions (${n.runs.map((r) => r.verdict).join(', ')})`,
          { artifact: rel(n.artifact), differs: n.differs },
        );
    });
    if (o.nondeterministic.length > MAX_ANOMALIES_PER_CODE)
      api.anomaly(
        'VALIDATION_NONDETERMINISTIC',
        'critical',
        `${o.nondeterministic.length - MAX_ANOMALIES_PER_CODE} more nondeterministic artifact(s); every one is in the ledger`,
      );
    const errors = o.invocations.filter((i) => i.verdict === 'error' || i.verdict === 'timeout');
    errors
      .slice(0, MAX_ANOMALIES_PER_CODE)
      .forEach((i) =>
        api.anomaly(
          'VALIDATOR_ERROR',
          'warning',
          `${rel(i.artifact)} (repetition ${i.repetition}): ${i.verdict}: ${i.error ?? `exit ${i.exitCode}`}; not retried`,
        ),
      );
    if (errors.length > MAX_ANOMALIES_PER_CODE)
      api.anomaly(
        'VALIDATOR_ERROR',
        'warning',
        `${errors.length - MAX_ANOMALIES_PER_CODE} more validator error(s); every one is in the ledger`,
      );
    api.record('burst.end', { ...summary(o, rel), expected: this.expected }, true);
  }

  async finish(): Promise<ExtensionResult> {
    // After a halt the run loop does not wait for run(): the stopped burst settles here.
    await this.settled;
    const o = this.outcome;
    const c = this.config;
    if (!o) {
      return {
        extra: { failure: this.failure ?? 'the burst did not run' },
        thresholds: [
          {
            name: 'validation burst',
            ok: false,
            actual: this.failure ?? 'did not run',
            value: 0,
            unit: 'count',
            expected: 'every artifact validated on every repetition',
          },
        ],
      };
    }
    const done = o.invocations.filter((i) => i.verdict !== 'not-run').length;
    const errors = o.verdicts.error + o.verdicts.timeout;
    const thresholds: ThresholdResult[] = [
      {
        name: 'validation burst',
        ok: o.completed,
        actual: `${done}/${this.expected} validations ran`,
        value: done,
        unit: 'count',
        expected: 'every artifact validated on every repetition',
      },
      {
        name: 'validation determinism',
        ok: o.completed && o.nondeterministic.length <= c.thresholds.maxNondeterministic,
        actual: `${o.nondeterministic.length} of ${o.artifacts} artifact(s) differed between ${o.repetitions.length} repetition(s)`,
        value: o.nondeterministic.length,
        unit: 'count',
        expected: `<= ${c.thresholds.maxNondeterministic} nondeterministic artifact(s) over ${c.repeat} complete repetitions`,
      },
      {
        name: 'validator errors',
        ok: errors <= c.thresholds.maxErrors,
        actual: `${o.verdicts.error} error(s), ${o.verdicts.timeout} timeout(s)`,
        value: errors,
        unit: 'count',
        expected: `<= ${c.thresholds.maxErrors}`,
      },
    ];
    return { extra: summary(o, (p) => p), thresholds };
  }

  dispose(): void {
    if (this.burst) void this.burst.stop();
    else this.releaseLock();
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }
}

/**
 * Two bursts may not validate the same artifact folder at once (a validator may write beside its
 * artifacts). The lock lives in the config folder, keyed by the folder's real path, so the user's
 * artifact folder is never written to; a second burst is refused with TARGET_BUSY.
 */
function lockArtifactFolder(folder: string, runId: string): FolderLock {
  const key = createHash('sha256').update(fs.realpathSync(folder)).digest('hex').slice(0, 32);
  const dir = path.join(configDir(), 'locks', `artifacts-${key}`);
  fs.mkdirSync(dir, { recursive: true });
  return acquireFolderLock(dir, runId);
}

/** The report's view of a burst: every figure, the nondeterministic artifacts, and no per-invocation rows. */
function summary(o: BurstOutcome, rel: (p: string) => string): Record<string, unknown> {
  return {
    artifacts: o.artifacts,
    concurrency: o.concurrency,
    peakConcurrency: o.peakConcurrency,
    repeat: o.repeat,
    completed: o.completed,
    throughputPerSec: o.throughputPerSec,
    latencyMs: o.latencyMs,
    verdicts: o.verdicts,
    repetitions: o.repetitions,
    nondeterministic: o.nondeterministic.map((n) => ({ ...n, artifact: rel(n.artifact) })),
  };
}

/**
 * What the confirmation preview should show for a validation-burst plan, so the person confirms
 * the validator and the folder it runs over, not only the plan's targets. A bad section is
 * refused earlier, by parseSection; what only the machine can say (validator not allowlisted,
 * folder unreadable) is a line with its code here, never a throw.
 */
function previewLines(c: BurstConfig, plan: Plan, opts: PreviewContext): string[] {
  try {
    const resolved = resolveAllowed(c.validator.command, plan.allowlist, {
      resourcesDir: opts.resourcesDir,
      baseDir: opts.planDir,
    });
    const loaders = checkEnv(c.validator.env, plan.allowEnv, 'burst validator');
    const env = Object.entries(c.validator.env);
    const folder = path.resolve(opts.planDir, c.artifacts.folder);
    const n = listArtifacts(folder, c.artifacts.suffixes).length;
    return [
      ...loaders.map(
        (k) =>
          `WARNING: the burst validator sets ${k}=${shellQuote(c.validator.env[k] ?? '')}: it changes what the executable loads (allowed by this plan's allowEnv)`,
      ),
      `Validator: ${shellQuoteArgv([resolved.identity, ...c.validator.args])} (allowlisted; ${c.validator.timeoutSec} s timeout each; pass exit ${c.validator.passExitCodes.join('/')}, fail exit ${c.validator.failExitCodes.join('/') || 'none'})`,
      ...(env.length
        ? [`  validator env set by the plan: ${env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')}`]
        : []),
      `Artifacts: ${n} file(s) in ${folder}${c.artifacts.suffixes.length ? ` matching ${c.artifacts.suffixes.join(', ')}` : ''}`,
      `Burst: ${c.concurrency} at once, ${c.repeat} repetitions (${n * c.repeat} validations); ${c.compare === 'verdict' ? 'verdicts' : `verdicts and ${c.compare}`} must match across repetitions`,
    ];
  } catch (err) {
    const e = toCodedError(err);
    return [`Validation burst: REFUSED ${e.code}: ${escapeForDisplay(e.message)}`];
  }
}

/** The burst's preview lines for a plan (the section parsed here; a bad one is a REFUSED line). */
export function burstPreviewLines(plan: Plan, opts: PreviewContext): string[] {
  if (plan.kind !== 'validation-burst') return [];
  try {
    return previewLines(parseBurstSection(plan.burst, `plan ${plan.id}`), plan, opts);
  } catch (err) {
    const e = toCodedError(err);
    return [`Validation burst: REFUSED ${e.code}: ${e.message}`];
  }
}

export const burstKind = defineKind<{ config: BurstConfig; plan: Plan }>({
  kind: BURST_EXTENSION,
  parseSection: (plan) => {
    if (plan.kind !== 'validation-burst') return null;
    const config = parseBurstSection(plan.burst, `plan ${plan.id}`);
    // A loader variable in the validator's env refuses the plan here, like an agent target's:
    // preview, plan check and the run's constructor all parse sections before anything spawns.
    checkEnv(config.validator.env, plan.allowEnv, 'burst validator');
    return { config, plan };
  },
  previewLines: (s, ctx) => previewLines(s.config, s.plan, ctx),
  create: (s) => new ValidationBurst(s.config),
});

export { Burst, listArtifacts, parseBurstSection };
export type { BurstConfig, BurstOutcome };
