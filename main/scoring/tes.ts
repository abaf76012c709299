/**
 * TES, the task efficiency score (0-100), with the seed system's own formula as the default:
 *   v2: TES = 100 x (0.5 stability + 0.3 velocity + 0.2 footprint)
 *   v3: TES = 100 x (0.4 stability + 0.2 velocity + 0.15 footprint + 0.15 compliance + 0.1 coherence)
 * Velocity is 1 at a run time <= fullSec (90 s), 0 at >= zeroSec (900 s), linear between.
 * Footprint is 1 at <= fullFiles (1) files changed, 0 at >= zeroFiles (10), linear between.
 * Stability is 1.0 for a clean finish, 0.6 for a failure that changed no files, 0.2 for a failure
 * after changing files, 0 when the run did not finish (killed, hung, crashed, halted).
 * Compliance is the share of the run's pulses that were OK, warnings counting half. Coherence has
 * no measure here and falls back to stability, as in the seed system.
 */
import type { TesConfig } from '../model/plan';
import type { DriftClass, LatencyClass, TesComponents, TesScore } from '../model/evidence';

export const DEFAULT_WEIGHTS = {
  v2: { stability: 0.5, velocity: 0.3, footprint: 0.2, compliance: 0, coherence: 0 },
  v3: { stability: 0.4, velocity: 0.2, footprint: 0.15, compliance: 0.15, coherence: 0.1 },
} as const;

/** A drop that no penalty explains by at least this many points is an anomaly. */
export const UNEXPLAINED_DRIFT_POINTS = 5;

export type RunOutcome = 'exited' | 'failed' | 'stopped' | 'running';

export interface TesInput {
  subject: string;
  runMs: number;
  filesChanged: number;
  outcome: RunOutcome;
  /** Latency classes of the pulses taken while this run was alive (v3 compliance). */
  pulseClasses?: LatencyClass[];
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round1 = (x: number) => Math.round(x * 10) / 10;

export function velocityScore(runMs: number, cfg: TesConfig['velocity']): number {
  const s = runMs / 1000;
  if (s <= cfg.fullSec) return 1;
  if (s >= cfg.zeroSec) return 0;
  return clamp01(1 - (s - cfg.fullSec) / (cfg.zeroSec - cfg.fullSec));
}

export function footprintScore(files: number, cfg: TesConfig['footprint']): number {
  if (files <= cfg.fullFiles) return 1;
  if (files >= cfg.zeroFiles) return 0;
  return clamp01(1 - (files - cfg.fullFiles) / (cfg.zeroFiles - cfg.fullFiles));
}

export function stabilityScore(outcome: RunOutcome, filesChanged: number): number {
  switch (outcome) {
    case 'exited':
    case 'running': // provisional: nothing has failed yet
      return 1;
    case 'failed':
      return filesChanged > 0 ? 0.2 : 0.6;
    case 'stopped':
      return 0;
  }
}

export function complianceScore(classes: LatencyClass[] | undefined): number {
  if (!classes || classes.length === 0) return 1;
  const pts = classes.reduce((s, c) => s + (c === 'ok' ? 1 : c === 'warning' ? 0.5 : 0), 0);
  return pts / classes.length;
}

export function driftClass(score: number): DriftClass {
  if (score >= 99) return 'golden';
  if (score >= 95) return 'mild';
  if (score >= 85) return 'significant';
  return 'penalised';
}

export function computeTes(input: TesInput, cfg: TesConfig): TesScore {
  const w = cfg.weights ?? DEFAULT_WEIGHTS[cfg.variant];
  const stability = stabilityScore(input.outcome, input.filesChanged);
  const components: TesComponents = {
    stability,
    velocity: velocityScore(input.runMs, cfg.velocity),
    footprint: footprintScore(input.filesChanged, cfg.footprint),
  };
  if (cfg.variant === 'v3') {
    components.compliance = complianceScore(input.pulseClasses);
    components.coherence = stability;
  }
  const wc = w.compliance ?? 0;
  const wh = w.coherence ?? 0;
  const lost = (weight: number, value: number | undefined) => round1(100 * weight * (1 - (value ?? 1)));
  const raw =
    w.stability * components.stability +
    w.velocity * components.velocity +
    w.footprint * components.footprint +
    wc * (components.compliance ?? 0) +
    wh * (components.coherence ?? 0);
  const score = round1(100 * raw);
  return {
    subject: input.subject,
    score,
    variant: cfg.variant,
    components,
    runMs: input.runMs,
    filesChanged: input.filesChanged,
    outcome: input.outcome,
    drift: driftClass(score),
    penalties: {
      stability: lost(w.stability, components.stability),
      velocity: lost(w.velocity, components.velocity),
      footprint: lost(w.footprint, components.footprint),
      compliance: cfg.variant === 'v3' ? lost(wc, components.compliance) : 0,
      coherence: cfg.variant === 'v3' ? lost(wh, components.coherence) : 0,
    },
  };
}

/** The probe's TES: the mean of its runs, with penalties averaged the same way. */
export function probeTes(runs: TesScore[], cfg: TesConfig): TesScore | null {
  if (!runs.length) return null;
  const mean = (f: (t: TesScore) => number) => runs.reduce((s, t) => s + f(t), 0) / runs.length;
  const score = round1(mean((t) => t.score));
  const worst: RunOutcome = runs.some((r) => r.outcome === 'stopped')
    ? 'stopped'
    : runs.some((r) => r.outcome === 'failed')
      ? 'failed'
      : runs.some((r) => r.outcome === 'running')
        ? 'running'
        : 'exited';
  return {
    subject: 'probe',
    score,
    variant: cfg.variant,
    components: {
      stability: mean((t) => t.components.stability),
      velocity: mean((t) => t.components.velocity),
      footprint: mean((t) => t.components.footprint),
      ...(cfg.variant === 'v3'
        ? {
            compliance: mean((t) => t.components.compliance ?? 1),
            coherence: mean((t) => t.components.coherence ?? 1),
          }
        : {}),
    },
    runMs: Math.max(...runs.map((r) => r.runMs)),
    filesChanged: runs.reduce((s, r) => s + r.filesChanged, 0),
    outcome: worst,
    drift: driftClass(score),
    penalties: {
      stability: round1(mean((t) => t.penalties.stability)),
      velocity: round1(mean((t) => t.penalties.velocity)),
      footprint: round1(mean((t) => t.penalties.footprint)),
      compliance: round1(mean((t) => t.penalties.compliance)),
      coherence: round1(mean((t) => t.penalties.coherence)),
    },
  };
}

export interface DriftFinding {
  runs: number;
  scores: number[];
  spread: number;
  drift: DriftClass;
  /** Significant drift (< 95) that the declared penalties (velocity, footprint) do not explain. */
  unexplained: boolean;
  explanation: string;
}

/**
 * TES drift across repeated runs of one plan. Velocity and footprint penalties are the declared
 * penalties a plan sets out to provoke; what they do not account for (stability, compliance) is
 * unexplained, and a significant unexplained drop is an anomaly.
 */
export function assessDrift(history: TesScore[]): DriftFinding | null {
  if (!history.length) return null;
  const scores = history.map((h) => h.score);
  const latest = history[history.length - 1] as TesScore;
  const explainedLoss = latest.penalties.velocity + latest.penalties.footprint;
  const unexplainedLoss = round1(100 - latest.score - explainedLoss);
  const drift = driftClass(latest.score);
  const unexplained = latest.score < 95 && unexplainedLoss >= UNEXPLAINED_DRIFT_POINTS;
  return {
    runs: history.length,
    scores,
    spread: round1(Math.max(...scores) - Math.min(...scores)),
    drift,
    unexplained,
    explanation: unexplained
      ? `TES ${latest.score}: ${unexplainedLoss} points lost to stability/compliance, not to the velocity or footprint penalties`
      : explainedLoss > 0
        ? `TES ${latest.score}: velocity -${latest.penalties.velocity}, footprint -${latest.penalties.footprint}`
        : `TES ${latest.score}: no penalty applied`,
  };
}
