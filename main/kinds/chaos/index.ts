/**
 * Chaos waves (seed 001) as a probe kind: active for plans of kind "chaos". The section is parsed
 * by `plan check`, by the preview and by the run alike; the preview lists every wave.
 */
import { defineKind } from '../kind';
import { ChaosExtension } from './extension';
import { parseChaosSection, type ChaosSection } from './schema';

export const chaosKind = defineKind<ChaosSection>({
  kind: 'chaos',
  parseSection: (plan) => (plan.kind === 'chaos' ? parseChaosSection(plan) : null),
  previewLines: (c) => [
    `Chaos: seed ${c.seed ?? 'drawn at the start (printed and stored)'}; fail rate ${Math.round(c.failRate * 100)}%; CPU spikes capped at ${Math.round(c.cpuCapShare * 100)}% of the cores; recovery timeout ${c.recoveryTimeoutMs} ms.`,
    `Chaos baseline: ${c.baseline.pings} pings per target at ${c.baseline.ratePerSec}/s before any load; steady-state checks before the first wave, between waves and after the last.`,
    ...c.waves.map(
      (w, k) =>
        `Chaos wave ${k + 1} (${w.name}, ${w.severity}): ${w.scenarios} scenario(s) at once from ${w.pool ? w.pool.join(', ') : 'every scenario the targets support'}; on ${w.targets ? w.targets.join(', ') : 'any target'}.`,
    ),
  ],
  create: (section, plan) => new ChaosExtension(plan, section),
});

export { ChaosExtension } from './extension';
export { applyChaosFlags, type ChaosFlags } from './flags';
export { buildSchedule, type ChaosSchedule, type ScheduledEvent } from './schedule';
export { ChaosSectionSchema, parseChaosSection, SCENARIO_TYPES, type ChaosSection } from './schema';
export { chaosResultsDocument, classify } from './report';
/** Where the results v1 document sits in the report: `report.extra.chaos.results`. */
export const CHAOS_RESULTS_EXTRA_KEY = 'results';
