/**
 * Anomalies: what went wrong or looked wrong during a run, each under a stable code. The code list
 * is closed: the engine's anomaly() accepts only an AnomalyCode, so a new anomaly needs a line
 * here, and readers (reports, the console, CI) can rely on the set.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../util/errors';

/** Codes only the run loop, targets and probe kinds raise (errors thrown as LabError add theirs). */
export const ENGINE_ANOMALY_CODES = [
  // run loop (main/run)
  'STOP_FAILED',
  'PULSE_FAILED',
  'PULSE_SKIPPED',
  'PULSE_LATE',
  'SAMPLE_FAILED',
  'GUARD_RAIL_TRIPPED',
  'INTEGRITY_CHANGED',
  'RECOVERY_FAILED',
  'INTERRUPTED_RUN_FOUND',
  'EXTENSION_FAILED',
  'RUN_ERROR',
  'OUTPUT_WRITE_FAILED',
  'TARGET_FAILED',
  'SERVICE_ENDED',
  'TES_UNEXPLAINED_DRIFT',
  'OBSERVER_FAILED',
  // containment (main/safety/containment.ts): processes left in a run's cgroup after its kill
  'CONTAINMENT_SURVIVORS',
  // integrity and footprint checks (main/evidence, in a worker with deadlines)
  'INTEGRITY_UNREADABLE',
  'INTEGRITY_DEADLINE_MISSED',
  'FOOTPRINT_UNREADABLE',
  'FOOTPRINT_DEADLINE_MISSED',
  'FOOTPRINT_FAILED',
  // lab kernel target (main/lab/kernel)
  'KERNEL_PANIC',
  // kernel pause (main/kinds/kernel)
  'RECOVERY_TIMEOUT',
  'FAULT_FAILED',
  // validation burst (main/kinds/burst)
  'VALIDATION_NONDETERMINISTIC',
  'VALIDATOR_ERROR',
  // chaos (main/kinds/chaos)
  'CHAOS_ESCALATED',
  'CHAOS_ESCALATED_INJECTED',
  // stresstest (main/kinds/stresstest): a suite run whose output could not be read
  'STRESSTEST_FAILED',
] as const;

/**
 * Every code an anomaly may carry: the engine's own, plus every LabError code, because a failure
 * caught in the run loop (a target that cannot start, a refused burst) is recorded under the code
 * it was thrown with.
 */
export const AnomalyCodeSchema = z.enum([...ENGINE_ANOMALY_CODES, ...ERROR_CODES]);
export type AnomalyCode = z.infer<typeof AnomalyCodeSchema>;

export const SeveritySchema = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;

export const AnomalySchema = z.object({
  at: z.number(),
  code: AnomalyCodeSchema,
  severity: SeveritySchema,
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type Anomaly = z.infer<typeof AnomalySchema>;
