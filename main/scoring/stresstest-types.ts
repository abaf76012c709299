/**
 * The shapes and lexical pieces of seed 002's `stresstest` dialect, shared by the line parser
 * (stresstest-lines.ts) and the block parser (stresstest-output.ts).
 */
import type { Relation } from './relations';

export type StresstestKind =
  'memory' | 'commands' | 'multi' | 'learning' | 'redteam' | 'chaos' | 'compare' | 'report' | 'unknown';

export interface ChaosEventLine {
  /** `Event #n` when printed, else null (the baseline prints bare names). */
  index: number | null;
  name: string;
  detail: string | null;
  outcome: 'recovered' | 'failed' | null;
  recoveryMs: number | null;
  reason: string | null;
}

export interface StresstestOutput {
  kind: StresstestKind;
  /** For `stresstest compare <type>`, the compared type. */
  subject: string | null;
  command: string | null;
  /** Parameters echoed in the header (duration, target pressure, rate, episodes, fail rate). */
  config: Record<string, number>;
  durationMs: number | null;
  metrics: Record<string, number | number[]>;
  units: Record<string, string>;
  events: ChaosEventLine[];
  /** The printed event block repeats this many times ("(repeats 38x)"), expanded into `events`. */
  eventRepeats: number | null;
  status: string | null;
  panics: string[];
  /** Metrics the text itself marks "(always)": the source says they never change between runs. */
  reportedConstant: string[];
  /** Counters the text says come from rate x duration, with the declared rate per second. */
  rates: Record<string, number>;
  relations: Relation[];
  /** True when the text elides lines with "...", so counts of printed lines are not totals. */
  elided: boolean;
  sides: { off: StresstestOutput; on: StresstestOutput } | null;
  comparison: { off: Record<string, number>; on: Record<string, number> } | null;
}

export const HEADER_KINDS: [RegExp, StresstestKind][] = [
  [/memory/i, 'memory'],
  [/command flood/i, 'commands'],
  [/multi/i, 'multi'],
  [/learning/i, 'learning'],
  [/red ?team/i, 'redteam'],
  [/chaos/i, 'chaos'],
  [/comparative/i, 'compare'],
  [/stress test report/i, 'report'],
];
export const COMMAND_KINDS: Record<string, StresstestKind> = {
  memory: 'memory',
  commands: 'commands',
  multi: 'multi',
  learning: 'learning',
  redteam: 'redteam',
  chaos: 'chaos',
  compare: 'compare',
};

/** Header parameters: inputs of the test, not results, so the audit never scores them. */
export const CONFIG_KEYS = new Set([
  'duration',
  'target_pressure',
  'rate',
  'episodes',
  'failure_injection_rate',
  'seed',
]);
export const STATUS_KEYS = new Set(['status', 'result']);

export const NUMBER = String.raw`[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
export const VALUE_RE = new RegExp(
  String.raw`^(${NUMBER})\s*(%|ms|ns|μs|us|s|MB|KB|GB|/sec|/s|x|occurrences?)?$`,
);
export const PAIR_RE = new RegExp(String.raw`^off=(${NUMBER})\s*(%|ms)?\s+on=(${NUMBER})\s*(%|ms)?$`);
export const TRAILING_NOTE_RE = /^(.*?)\s*\(([^()]*)\)$/;

export function toNumber(s: string): number {
  return Number(s.replace(/,/g, ''));
}

export function snake(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function decimalsOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

export function emptyOutput(): StresstestOutput {
  return {
    kind: 'unknown',
    subject: null,
    command: null,
    config: {},
    durationMs: null,
    metrics: {},
    units: {},
    events: [],
    eventRepeats: null,
    status: null,
    panics: [],
    reportedConstant: [],
    rates: {},
    relations: [],
    elided: false,
    sides: null,
    comparison: null,
  };
}
