/**
 * The end of a run, after the targets stopped and the pulses after: footprints, the final TES
 * (computed once), drift, the final integrity check, coverage, the kinds' results, thresholds and
 * the verdict normalised to PASS, FAIL or HALTED.
 */
import type { IntegrityBaseline } from '../evidence/integrity';
import { computeCoverage } from '../evidence/coverage';
import type { Anomaly, IntegrityCheck, TesScore, ThresholdResult } from '../model/evidence';
import type { Plan } from '../model/plan';
import type { ExtensionApi, ProbeExtension } from '../kinds/kind';
import { assessDrift } from '../scoring/tes';
import { evaluateThresholds } from '../scoring/verdict';
import { toCodedError } from '../util/errors';
import { isTask, type TargetSet } from './instances';
import type { RunConclusion } from './output';
import type { Recorder } from './recorder';
import type { TesTracker } from './tes-tracker';

export interface ConcludeInput {
  plan: Plan;
  targets: TargetSet;
  tracker: TesTracker;
  recorder: Recorder;
  extensions: readonly ProbeExtension[];
  api: ExtensionApi;
  tesHistory: TesScore[];
  baseline: IntegrityBaseline | null;
  integrityNow(): Promise<IntegrityCheck | null>;
  probeStartAt: number;
  /** When the run began (the probe clock's fallback when no target started). */
  startedAt: number;
  halted: boolean;
  haltReason(): string | null;
  skippedPulses: number;
  record(type: string, data: unknown, durable: boolean): void;
  anomaly(
    code: Anomaly['code'],
    severity: Anomaly['severity'],
    message: string,
    data?: Record<string, unknown>,
  ): void;
}

export async function conclude(c: ConcludeInput): Promise<RunConclusion> {
  const { plan, recorder } = c;
  const probeEnd = Date.now();
  const tasks: { i: (typeof c.targets.list)[number]; filesChanged: number }[] = [];
  // Side by side, so a stuck check costs the end of the run one deadline, not two.
  const [integrity, final] = await Promise.all([c.integrityNow(), c.targets.footprints(c.targets.list)]);
  for (const [k, i] of c.targets.list.entries()) {
    // A scan that missed its deadline says so; files changed stay as last measured.
    c.record('footprint', { targetId: i.state.targetId, ...(final.diffs[k] ?? { missed: true }) }, false);
    if (isTask(i)) tasks.push({ i, filesChanged: i.state.filesChanged });
    // A service is expected to run until the probe stops it; ending on its own is a failure.
    else if (i.exit && i.exit.outcome !== 'stopped')
      c.anomaly(
        'SERVICE_ENDED',
        'critical',
        `${i.state.targetId} (a service) ended on its own with code ${i.exit.exitCode}`,
      );
  }
  const tes = c.tracker.final(tasks);
  recorder.tesScores(tes.scores);
  const drift = tes.probe ? assessDrift([...c.tesHistory, tes.probe]) : null;
  if (drift?.unexplained)
    c.anomaly('TES_UNEXPLAINED_DRIFT', 'warning', drift.explanation, { scores: drift.scores });

  if (integrity) recorder.integrityCheck(integrity);
  const list = c.targets.list;
  recorder.coverage = computeCoverage(
    recorder.snapshots.map((s) => s.at),
    c.probeStartAt || c.startedAt,
    list.length ? Math.max(...list.map((i) => i.exit?.at ?? probeEnd)) : probeEnd,
    plan.snapshots.cadenceSec * 1000,
  );
  const extra: Record<string, unknown> = {};
  const extThresholds: ThresholdResult[] = [];
  for (const e of c.extensions) {
    try {
      const r = await e.finish(c.api);
      if (r.extra) extra[e.name] = r.extra;
      if (r.thresholds) extThresholds.push(...r.thresholds);
    } catch (err) {
      c.anomaly('EXTENSION_FAILED', 'critical', `${e.name} finish: ${toCodedError(err).message}`);
    }
  }
  const thresholds = [
    ...evaluateThresholds({
      plan,
      pulses: recorder.pulses,
      coverage: recorder.coverage,
      probeTes: tes.probe,
      integrity: recorder.integrity,
      anomalies: recorder.anomalies,
    }),
    ...extThresholds,
  ];
  if (Object.keys(extra).length) c.record('extensions', extra, true);
  return {
    verdict: c.halted || c.haltReason() !== null ? 'HALTED' : thresholds.every((t) => t.ok) ? 'PASS' : 'FAIL',
    haltReason: c.haltReason(),
    thresholds,
    probeTes: tes.probe,
    drift,
    probeStartedAt: c.probeStartAt || c.startedAt,
    endedAt: Date.now(),
    baseline: c.baseline,
    targets: list.map((i) => ({ state: { ...i.state }, describe: i.target.describe(), exit: i.exit })),
    extra,
    skippedPulses: c.skippedPulses,
    recorded: recorder,
  };
}
