/**
 * Seed 002's stress suites as a probe kind: every suite of the plan runs `repetitions` times on
 * each lab-kernel target of the stresstest dialect (the bundled kernel or one the user registered),
 * one after the other on the guest shell. Each suite run goes to the ledger with what the guest
 * printed and what the parser read; the report gets the parsed results, a results v1 document and
 * the stub audit over the repetitions (seed 002's lesson: identical perfect numbers are a stub).
 */
import { KernelTarget } from '../../lab/kernel/kernel-target';
import type { ThresholdResult } from '../../model/evidence';
import type { Plan } from '../../model/plan';
import { toCodedError } from '../../util/errors';
import { defineKind, type ExtensionApi, type ExtensionResult, type ProbeExtension } from '../kind';
import { runStresstest, stresstestCommandLine, type StresstestOptions } from './driver';
import { auditStresstest, stresstestResults, type SuiteRecord } from './results';
import { parseStresstestSection, type StresstestSection, type SuiteRun } from './schema';

export const STRESSTEST_EXTENSION = 'stresstest';
/**
 * The stresstest dialect's boot does not wait for the prompt (a user's kernel may show none until
 * Enter); a command sent before the first prompt would take that prompt as its own end.
 */
const FIRST_PROMPT_MS = 10_000;

function optionsOf(s: SuiteRun, seed: number | undefined): StresstestOptions {
  const o: StresstestOptions = {};
  if (s.durationMs !== undefined) o.durationMs = s.durationMs;
  if (s.targetPressurePct !== undefined) o.targetPressurePct = s.targetPressurePct;
  if (s.ratePerSec !== undefined) o.ratePerSec = s.ratePerSec;
  if (s.episodes !== undefined) o.episodes = s.episodes;
  if (s.failRatePct !== undefined) o.failRatePct = s.failRatePct;
  if (s.compare !== undefined) o.compare = s.compare as StresstestOptions['compare'];
  if (seed !== undefined) o.seed = seed;
  return o;
}

class StresstestExtension implements ProbeExtension {
  readonly name = STRESSTEST_EXTENSION;
  readonly endsRun = true;
  private readonly records: SuiteRecord[] = [];
  private startedAt = new Date().toISOString();

  constructor(
    private readonly section: StresstestSection,
    private readonly plan: Plan,
  ) {}

  private kernels(api: ExtensionApi): [string, KernelTarget][] {
    const wanted = this.section.targets ? new Set(this.section.targets) : null;
    return [...api.targets()].filter(
      (e): e is [string, KernelTarget] =>
        e[1] instanceof KernelTarget &&
        e[1].spec.dialect === 'stresstest' &&
        (!wanted || wanted.has(e[1].spec.id)),
    );
  }

  async run(api: ExtensionApi): Promise<void> {
    this.startedAt = new Date().toISOString();
    const kernels = this.kernels(api);
    if (kernels.length === 0) {
      api.anomaly(
        'EXTENSION_FAILED',
        'critical',
        'stresstest: no running lab-kernel target of the stresstest dialect',
      );
      return;
    }
    for (const [id, target] of kernels) {
      await target.shell.waitFirstPrompt(FIRST_PROMPT_MS).catch((err: unknown) => {
        api.event('stresstest', `${id}: no prompt yet (${toCodedError(err).message}); going on`, {}, id);
      });
    }
    for (let rep = 1; rep <= this.section.repetitions; rep++) {
      for (const s of this.section.suites) {
        const seed = this.section.seed !== undefined ? this.section.seed + rep - 1 : undefined;
        const options = optionsOf(s, seed);
        for (const [id, target] of kernels) {
          if (api.isHalting()) return;
          await this.runOne(api, id, target, s, rep, options);
        }
      }
      // The guest shell runs one command at a time, so the probe's bursts are taken here, between
      // repetitions (seed 000: pulses during the probe), never over a suite's own measurement.
      if (!api.isHalting()) await api.pulseNow();
    }
  }

  private async runOne(
    api: ExtensionApi,
    targetId: string,
    target: KernelTarget,
    s: SuiteRun,
    repetition: number,
    options: StresstestOptions,
  ): Promise<void> {
    const label = `${s.suite}${s.compare ? ` ${s.compare}` : ''}`;
    api.event(
      'stresstest',
      `${targetId}: ${stresstestCommandLine(s.suite, options)} (repetition ${repetition})`,
      {},
      targetId,
    );
    const at = Date.now();
    let rec: SuiteRecord;
    try {
      const r = await runStresstest(target, s.suite, options, s.timeoutSec ? s.timeoutSec * 1000 : undefined);
      rec = {
        targetId,
        suite: s.suite,
        label,
        repetition,
        command: r.command,
        at,
        ms: Math.round(r.ms),
        lines: r.lines,
        output: r.parsed.ok ? r.parsed.value : null,
        error: r.parsed.ok ? null : r.parsed.error.message,
      };
    } catch (err) {
      const e = toCodedError(err);
      rec = {
        targetId,
        suite: s.suite,
        label,
        repetition,
        command: stresstestCommandLine(s.suite, options),
        at,
        ms: Date.now() - at,
        lines: [],
        output: null,
        error: `${e.code}: ${e.message}`,
      };
    }
    this.records.push(rec);
    api.record('stresstest.suite', rec, true);
    if (rec.error) {
      api.anomaly('STRESSTEST_FAILED', 'warning', `${targetId}: ${rec.command}: ${rec.error}`, {
        repetition,
      });
    } else {
      api.event(
        'stresstest',
        `${targetId}: ${label} done in ${rec.ms} ms, status ${rec.output?.status ?? 'none'}`,
        { ms: rec.ms },
        targetId,
      );
    }
  }

  finish(api: ExtensionApi): ExtensionResult {
    const audit = auditStresstest(this.records, this.section.repetitions);
    const results = stresstestResults({
      runId: api.runId,
      planId: this.plan.id,
      startedAt: this.startedAt,
      endedAt: new Date().toISOString(),
      seed: this.section.seed,
      halted: api.isHalting(),
      records: this.records,
    });
    const expected =
      this.section.suites.length * this.section.repetitions * Math.max(1, this.kernels(api).length);
    const parsed = this.records.filter((r) => r.output !== null).length;
    const thresholds: ThresholdResult[] = [
      {
        name: 'stresstest suites measured',
        ok: parsed === expected,
        actual: `${parsed} of ${expected} suite runs printed output the parser read`,
        expected: 'every planned suite run answers in seed 002 format',
      },
    ];
    return {
      extra: {
        runs: this.records.map(({ lines: _lines, ...r }) => r),
        audit,
        results,
      },
      thresholds,
    };
  }

  dispose(): void {}
}

export const stresstestKind = defineKind<StresstestSection>({
  kind: 'stresstest',
  parseSection: (plan) => (plan.kind === 'stresstest' ? parseStresstestSection(plan) : null),
  previewLines: (c) => [
    `Stresstest: ${c.suites.length} suite run(s) x ${c.repetitions} repetition(s) on ${c.targets ? c.targets.join(', ') : 'every lab kernel of the stresstest dialect'}; seed ${c.seed ?? 'drawn by the guest each run'}; the stub audit compares the repetitions.`,
    ...c.suites.map((s) => `Stresstest suite: ${stresstestCommandLine(s.suite, optionsOf(s, c.seed))}`),
  ],
  create: (section, plan) => new StresstestExtension(section, plan),
});
