/**
 * Chaos waves (seed 001) as a probe extension: registered at import time, active for plans of
 * kind "chaos". Import this module once for its side effect (`import './chaos'` from main/probes).
 */
import { registerExtension, type ExtensionFactory } from '../kind';
import { ChaosExtension } from './extension';

export const chaosExtensionFactory: ExtensionFactory = (plan) =>
  plan.kind === 'chaos' ? new ChaosExtension(plan) : null;

registerExtension(chaosExtensionFactory);

export { ChaosExtension } from './extension';
export { applyChaosFlags, type ChaosFlags } from './flags';
export { buildSchedule, type ChaosSchedule, type ScheduledEvent } from './schedule';
export { ChaosSectionSchema, parseChaosSection, SCENARIO_TYPES, type ChaosSection } from './schema';
export { chaosResultsDocument, classify } from './report';
/** Where the results v1 document sits in the report: `report.extra.chaos.results`. */
export const CHAOS_RESULTS_EXTRA_KEY = 'results';
