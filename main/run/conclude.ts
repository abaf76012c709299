/**
 * The end of a run, after the targets stopped and the pulses after: footprints, the final TES
 * (computed once), drift, the final integrity check, coverage, the kinds' results, thresholds and
 * the verdict normalised to PASS, FAIL or HALTED.
 */
import type { IntegrityBaseline } from '../evidence/integrity';
import { computeBurstCoverage, computeCoverage, type BurstWindow } from '../evidence/coverage';
import type { Anomaly, IntegrityCheck, Pulse, TesScore, ThresholdResult } from '../model/evidence';
import type { Plan } from '../model/plan';
import type { ExtensionApi, ProbeExtension } from '../kinds/kind';
import { assessDrift } from '../scoring/tes';
import type { BurstSchedule } from '../plans/evidence-schedule';
import { burstDuringTasks, decideVerdict, evaluateThresholds } from '../scoring/verdict';
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
  schedule: BurstSchedule;
  burstWindows: readonly BurstWindow[];
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
  const stopAt = list.length ? Math.max(...list.map((i) => i.exit?.at ?? probeEnd)) : probeEnd;
  const snapTimes = recorder.snapshotTimes();
  recorder.coverage = computeCoverage(
    snapTimes,
    c.probeStartAt || c.startedAt,
    stopAt,
    plan.snapshots.cadenceSec * 1000,
  );
  recorder.burstCoverage = computeBurstCoverage(snapTimes, [...c.burstWindows], stopAt);
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
  // Read back from the recorder's store once (each read decodes every pulse).
  const pulses = recorder.pulses;
  const thresholds = [
    ...evaluateThresholds({
      plan,
      pulses,
      coverage: recorder.coverage,
      burstCoverage: recorder.burstCoverage,
      burstEvidence: burstEvidence(
        c,
        tasks.map((t) => t.i),
        pulses,
      ),
      probeTes: tes.probe,
      integrity: recorder.integrity,
      anomalies: recorder.anomalies,
    }),
    ...extThresholds,
  ];
  if (Object.keys(extra).length) c.record('extensions', extra, true);
  return {
    verdict: decideVerdict(thresholds, c.halted || c.haltReason() !== null),
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
    burstSchedule: c.schedule,
    pulses,
    recorded: recorder,
  };
}

/** Whether a burst fell during the tasks, and, when none did, why (the checklist row says it). */
function burstEvidence(
  c: ConcludeInput,
  tasks: (typeof c.targets.list)[number][],
  pulses: readonly Pulse[],
): { ok: boolean; actual: string } {
  const t0 = c.probeStartAt || c.startedAt;
  const rel = (at: number) => `+${((at - t0) / 1000).toFixed(1)} s`;
  const found = burstDuringTasks(
    pulses,
    tasks.map((i) => i.state.targetId),
  );
  const first = found[0];
  if (first)
    return {
      ok: true,
      actual: `${found.length} burst pulse(s) while ${tasks.length ? 'a task ran' : "the probe's work ran"}, the first at ${rel(first.completedAt)}`,
    };
  const ends = tasks.map((i) => i.exit?.at).filter((x): x is number => x !== undefined);
  const due = `the first burst was due at +${(c.schedule.firstBurstMs / 1000).toFixed(1)} s`;
  const ended = tasks.length
    ? ends.length
      ? `the last task ended at ${rel(Math.max(...ends))}`
      : 'no task was seen alive by a burst pulse'
    : 'no burst pulse was taken';
  return { ok: false, actual: `none: ${due}, ${ended}` };
}
