/** The stub audit's vocabulary: a run as the audit sees it, and a finding with its evidence. */
import type { Severity } from '../model/evidence';
import type { Relation } from './relations';

export type AuditCode =
  | 'ZERO_VARIANCE'
  | 'PINNED_AT_BOUND'
  | 'NOT_SCALING_WITH_DURATION'
  | 'ARITHMETIC_MISMATCH'
  | 'IDENTICAL_SEQUENCE'
  | 'NO_FAILURES'
  | 'COMPARE_NO_DIFFERENCE'
  | 'STATUS_CONTRADICTION';

export interface AuditRun {
  label: string;
  durationMs?: number;
  metrics: Record<string, number | number[]>;
  /** Unit per metric ('%', 'ms', ...); a value of 100 with unit '%' is pinned at 100%. */
  units?: Record<string, string>;
  /**
   * The measurement quantum of a metric in its unit, where the source shows it (a latency timed in
   * whole milliseconds and exported in microseconds has a resolution of 1000): coincidence is
   * judged in these steps, not in the digits printed.
   */
  resolutions?: Record<string, number>;
  /** Event names in the order they happened (chaos waves). */
  events?: string[];
  /** Relations between metrics that the run's own output declares. */
  relations?: Relation[];
  /** Declared maximum per metric (e.g. a configured cap); reaching it is PINNED_AT_BOUND. */
  bounds?: Record<string, number>;
  /** Declared rate per second behind a counter; a count of exactly rate x duration is synthetic. */
  rates?: Record<string, number>;
  /** Metrics the source itself reports as never changing ("(always)"). */
  reportedConstant?: string[];
  /** An A/B compare carried by this run: both sides' metrics. */
  compare?: { a: Record<string, number>; b: Record<string, number>; labels: [string, string] };
  /** The failure injection rate the run declares (percent), when it does. */
  declaredFailRatePct?: number;
  status?: string;
  panics?: string[];
}

export interface AuditFinding {
  code: AuditCode;
  /** Metric name, or '*' for a finding about the whole run or compare. */
  metric: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

export function scalarsOf(run: AuditRun): [string, number][] {
  return Object.entries(run.metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
}
