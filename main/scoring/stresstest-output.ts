/**
 * Parser for the `stresstest` shell dialect of seed 002 (memory, commands, multi, learning,
 * redteam, chaos, compare, and the Phase 4 report), in both its Appendix A baseline form and the
 * enhanced Appendix B form. The output is structured metrics plus the relations the text itself
 * declares (a total and its parts, an average and its inputs), so the stub audit can check that
 * what a target prints adds up. Untrusted text: a line this parser does not know is skipped, but
 * text with nothing recognisable in it is a coded error.
 */
import { fail, ok, type Result } from '../util/errors';
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

const HEADER_KINDS: [RegExp, StresstestKind][] = [
  [/memory/i, 'memory'],
  [/command flood/i, 'commands'],
  [/multi/i, 'multi'],
  [/learning/i, 'learning'],
  [/red ?team/i, 'redteam'],
  [/chaos/i, 'chaos'],
  [/comparative/i, 'compare'],
  [/stress test report/i, 'report'],
];
const COMMAND_KINDS: Record<string, StresstestKind> = {
  memory: 'memory',
  commands: 'commands',
  multi: 'multi',
  learning: 'learning',
  redteam: 'redteam',
  chaos: 'chaos',
  compare: 'compare',
};

/** Header parameters: inputs of the test, not results, so the audit never scores them. */
const CONFIG_KEYS = new Set([
  'duration',
  'target_pressure',
  'rate',
  'episodes',
  'failure_injection_rate',
  'seed',
]);
const STATUS_KEYS = new Set(['status', 'result']);
/**
 * "(repeats Nx)" is expanded into N copies of the printed cycle; untrusted text could ask for
 * billions. 100,000 events is far beyond any chaos run's length and still a few MB at most.
 */
const MAX_EXPANDED_EVENTS = 100_000;

const NUMBER = String.raw`[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
const VALUE_RE = new RegExp(String.raw`^(${NUMBER})\s*(%|ms|ns|μs|us|s|MB|KB|GB|/sec|/s|x|occurrences?)?$`);
const PAIR_RE = new RegExp(String.raw`^off=(${NUMBER})\s*(%|ms)?\s+on=(${NUMBER})\s*(%|ms)?$`);
const TRAILING_NOTE_RE = /^(.*?)\s*\(([^()]*)\)$/;

export function toNumber(s: string): number {
  return Number(s.replace(/,/g, ''));
}

export function snake(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function decimalsOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

function emptyOutput(): StresstestOutput {
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

interface Frame {
  indent: number;
  key: string;
  /** Metric name when the header line carried a value ("AI interventions: 18"). */
  valued: string | null;
  children: string[];
  dashChildren: boolean;
}

interface ParseState {
  out: StresstestOutput;
  stack: Frame[];
  episodes: Map<number, number>;
  decimals: Record<string, number>;
  curves: { from: number; to: number; metric: string }[];
  printedCycle: ChaosEventLine[];
}

function pushArray(out: StresstestOutput, key: string, v: number, unit?: string): void {
  const cur = out.metrics[key];
  if (Array.isArray(cur)) cur.push(v);
  else out.metrics[key] = [v];
  if (unit) out.units[key] = unit;
}

function bump(out: StresstestOutput, key: string): void {
  const cur = out.metrics[key];
  out.metrics[key] = (typeof cur === 'number' ? cur : 0) + 1;
}

function closeFrame(st: ParseState, frame: Frame): void {
  if (frame.valued && frame.dashChildren && frame.children.length > 0) {
    st.out.relations.push({ kind: 'sum', metric: frame.valued, parts: frame.children });
  }
}

function popTo(st: ParseState, indent: number): void {
  while (st.stack.length > 0 && st.stack[st.stack.length - 1]!.indent >= indent)
    closeFrame(st, st.stack.pop()!);
}

/** `[TAG] text` lines: chaos events, memory/multi progress logs, AI actions, panics. */
function parseTagged(st: ParseState, tag: string, body: string): void {
  const { out } = st;
  if (tag === 'SAFETY' && /panic/i.test(body)) {
    out.panics.push(body);
    return;
  }
  if (tag === 'CHAOS') {
    st.printedCycle.push(parseChaosEvent(body));
    return;
  }
  if (tag === 'AI') {
    bump(out, 'log.ai_actions');
    return;
  }
  if (tag === 'MEMORY' || tag === 'MULTI') {
    const oom = /^OOM event #(\d+)/i.exec(body);
    if (oom) {
      bump(out, 'log.oom_events');
      return;
    }
    const recovered = new RegExp(String.raw`^Compaction recovered (${NUMBER}) MB`, 'i').exec(body);
    if (recovered) {
      pushArray(out, 'log.compaction_recovered', toNumber(recovered[1]!), 'MB');
      st.decimals['log.compaction_recovered'] = Math.max(
        st.decimals['log.compaction_recovered'] ?? 0,
        decimalsOf(recovered[1]!),
      );
      return;
    }
    for (const part of body.split('|')) {
      const kv = /^\s*([^:]+):\s*(.+?)\s*$/.exec(part);
      if (!kv) continue;
      const key = snake(kv[1]!);
      if (key === 'elapsed') continue;
      const v = VALUE_RE.exec(stripNote(kv[2]!).value);
      if (v) pushArray(out, `log.${key}`, toNumber(v[1]!), v[2]);
    }
  }
}

function parseChaosEvent(body: string): ChaosEventLine {
  const m = /^Event #(\d+):\s*(.+)$/.exec(body);
  const index = m ? Number(m[1]) : null;
  const rest = m ? m[2]! : body;
  const [what, result] = rest.split(/\s*(?:→|->)\s*/, 2) as [string, string | undefined];
  const named = TRAILING_NOTE_RE.exec(what);
  const name = (named ? named[1]! : what).trim();
  const detail = named ? named[2]! : null;
  let outcome: ChaosEventLine['outcome'] = null;
  let recoveryMs: number | null = null;
  let reason: string | null = null;
  if (result !== undefined) {
    const r = TRAILING_NOTE_RE.exec(result);
    const word = (r ? r[1]! : result).trim().toLowerCase();
    if (word.startsWith('recovered')) outcome = 'recovered';
    else if (word.startsWith('fail')) outcome = 'failed';
    const note = r ? r[2]! : null;
    const ms = note ? new RegExp(String.raw`^(${NUMBER})\s*ms$`).exec(note) : null;
    if (outcome === 'recovered' && ms) recoveryMs = toNumber(ms[1]!);
    else reason = note;
  }
  return { index, name, detail, outcome, recoveryMs, reason };
}

function stripNote(raw: string): { value: string; note: string | null } {
  const m = TRAILING_NOTE_RE.exec(raw.trim());
  return m ? { value: m[1]!.trim(), note: m[2]!.trim() } : { value: raw.trim(), note: null };
}

/** "10s × 50/s": the source's own statement that a counter is rate x duration. */
function declaredRate(note: string | null): number | null {
  if (!note) return null;
  const m = new RegExp(String.raw`(${NUMBER})\s*s\s*[×x*]\s*(${NUMBER})\s*/s`).exec(note);
  return m ? toNumber(m[2]!) : null;
}

function setMetric(st: ParseState, key: string, rawNumber: string, unit: string | undefined): void {
  st.out.metrics[key] = toNumber(rawNumber);
  st.decimals[key] = decimalsOf(rawNumber.replace(/,/g, ''));
  if (unit) st.out.units[key] = unit;
}

function parseKeyValue(st: ParseState, indent: number, dash: boolean, label: string, rawValue: string): void {
  const { out } = st;
  popTo(st, indent);
  const parent = st.stack[st.stack.length - 1];
  const own = snake(label);
  if (own === '') return;
  const key = parent ? `${parent.key}.${own}` : own;
  const { value, note } = stripNote(rawValue);

  const curve = /^avg\s+([\d,.]+)/.exec(value);
  const range = /^episodes?_(\d+)_(\d+)$/.exec(own);
  if (curve && range) {
    setMetric(st, key, curve[1]!, undefined);
    st.curves.push({ from: Number(range[1]), to: Number(range[2]), metric: key });
    return;
  }
  if (!parent && STATUS_KEYS.has(own) && value !== '') {
    out.status = value;
    if (note === 'always') out.reportedConstant.push('status');
    return;
  }
  const pair = PAIR_RE.exec(value);
  if (pair) {
    out.comparison ??= { off: {}, on: {} };
    out.comparison.off[key] = toNumber(pair[1]!);
    out.comparison.on[key] = toNumber(pair[3]!);
    return;
  }
  const v = value === '' ? null : VALUE_RE.exec(value);
  if (v && !parent && CONFIG_KEYS.has(own)) {
    const n = toNumber(v[1]!);
    out.config[own] = n;
    if (own === 'duration') out.durationMs = v[2] === 's' ? n * 1000 : n;
    return;
  }
  if (v) {
    setMetric(st, key, v[1]!, v[2]);
    if (note === 'always') out.reportedConstant.push(key);
    const rate = declaredRate(note);
    if (rate !== null) out.rates[key] = rate;
    if (parent && dash) {
      parent.children.push(key);
      parent.dashChildren = true;
    }
  }
  // A line may open a block: "Allocation Latency:" (no value) or "AI interventions: 18" (parts follow).
  st.stack.push({ indent, key, valued: v ? key : null, children: [], dashChildren: false });
}

function parseLine(st: ParseState, line: string): void {
  const { out } = st;
  const trimmed = line.trim();
  if (trimmed === '') return;
  if (trimmed === '...') {
    out.elided = true;
    return;
  }
  const prompt = /^sis>\s*(stresstest\s+.*)$/.exec(trimmed);
  if (prompt) {
    out.command = prompt[1]!.trim();
    const words = out.command.split(/\s+/);
    out.kind = COMMAND_KINDS[words[1] ?? ''] ?? out.kind;
    if (out.kind === 'compare') out.subject = words[2] ?? null;
    return;
  }
  const header = /^===\s*(.+?)\s*===$/.exec(trimmed);
  if (header) {
    const kind = HEADER_KINDS.find(([re]) => re.test(header[1]!))?.[1];
    if (kind && out.kind === 'unknown') out.kind = kind;
    return;
  }
  const repeats = /^\(repeats\s+~?(\d+)\s*(?:x|times)\)$/i.exec(trimmed);
  if (repeats) {
    out.eventRepeats = Number(repeats[1]);
    return;
  }
  const tagged = /^\[([A-Z ]+)\]\s*(.*)$/.exec(trimmed);
  if (tagged) {
    parseTagged(st, tagged[1]!, tagged[2]!);
    return;
  }
  const episode = /^Episode (\d+)(?:-(\d+))?:\s*reward=([-\d,]+)/.exec(trimmed);
  if (episode) {
    const from = Number(episode[1]);
    const to = episode[2] !== undefined ? Number(episode[2]) : from;
    for (let i = from; i <= to; i++) st.episodes.set(i, toNumber(episode[3]!));
    return;
  }
  const kv = /^(\s*)(-\s+)?([^:]+?):\s*(.*)$/.exec(line.replace(/\t/g, '  '));
  if (kv) parseKeyValue(st, kv[1]!.length + (kv[2] ? 1 : 0), kv[2] !== undefined, kv[3]!, kv[4]!);
}

function deriveRelations(st: ParseState): void {
  const { out } = st;
  const m = out.metrics;
  const has = (k: string): boolean => k in m;
  const dec = (k: string): number | undefined => st.decimals[k];

  if (st.episodes.size > 0) {
    const indices = [...st.episodes.keys()].sort((a, b) => a - b);
    m.episode_rewards = indices.map((i) => st.episodes.get(i)!);
    const declared = out.config.episodes;
    const complete =
      !out.elided && indices.length === (declared ?? indices.length) && indices.every((v, i) => v === i);
    if (complete && has('total_rewards'))
      out.relations.push({ kind: 'sum', metric: 'total_rewards', parts: ['episode_rewards'] });
    for (const c of st.curves) {
      if (complete && c.to < indices.length) {
        out.relations.push({
          kind: 'mean',
          metric: c.metric,
          of: 'episode_rewards',
          from: c.from,
          to: c.to,
          decimals: dec(c.metric),
        });
      }
    }
  }
  if (has('avg_reward_decision') && has('total_rewards') && has('decisions_made')) {
    out.relations.push({
      kind: 'ratio',
      metric: 'avg_reward_decision',
      numerator: 'total_rewards',
      denominator: 'decisions_made',
      decimals: dec('avg_reward_decision'),
    });
  }
  if (has('total_events') && has('successful_recoveries') && has('failed_recoveries')) {
    out.relations.push({
      kind: 'sum',
      metric: 'total_events',
      parts: ['successful_recoveries', 'failed_recoveries'],
    });
  }
  if (has('recovery_success_rate') && has('successful_recoveries') && has('total_events')) {
    out.relations.push({
      kind: 'ratio',
      metric: 'recovery_success_rate',
      numerator: 'successful_recoveries',
      denominator: 'total_events',
      scale: 100,
      decimals: dec('recovery_success_rate'),
    });
  }
  const breakdown = Object.keys(m).filter((k) => k.startsWith('failure_breakdown.'));
  if (breakdown.length > 0 && has('failed_recoveries'))
    out.relations.push({ kind: 'sum', metric: 'failed_recoveries', parts: breakdown });
  if (!out.elided) {
    if (has('log.oom_events') && has('oom_events'))
      out.relations.push({ kind: 'sum', metric: 'oom_events', parts: ['log.oom_events'] });
    if (has('log.pressure') && has('peak_pressure'))
      out.relations.push({ kind: 'max', metric: 'peak_pressure', of: 'log.pressure' });
    if (has('log.compaction_recovered') && has('memory_recovered')) {
      out.relations.push({
        kind: 'sum',
        metric: 'memory_recovered',
        parts: ['log.compaction_recovered'],
        decimals: dec('memory_recovered'),
      });
    }
  }
  // Appendix A's command flood: `Rate: 50 /sec` over `Duration: 10000 ms` with a bare count.
  if (
    out.kind === 'commands' &&
    out.config.rate !== undefined &&
    has('commands_sent') &&
    !('commands_sent' in out.rates)
  ) {
    out.rates.commands_sent = out.config.rate;
  }
}

function finishEvents(st: ParseState): void {
  const { out } = st;
  const cycle = st.printedCycle;
  if (out.eventRepeats !== null && cycle.length > 0) {
    const repeats = Math.min(out.eventRepeats, Math.floor(MAX_EXPANDED_EVENTS / cycle.length));
    out.events = Array.from({ length: repeats }, () => cycle).flat();
  } else {
    out.events = cycle;
  }
  if (out.kind === 'unknown' && out.events.length > 0) out.kind = 'chaos';
}

function parseBlock(text: string): StresstestOutput {
  const st: ParseState = {
    out: emptyOutput(),
    stack: [],
    episodes: new Map(),
    decimals: {},
    curves: [],
    printedCycle: [],
  };
  for (const line of text.split(/\r?\n/)) parseLine(st, line);
  popTo(st, -1);
  finishEvents(st);
  deriveRelations(st);
  // "Comparative Results" in the enhanced form lists each side under "Autonomy OFF:" / "Autonomy ON:".
  const off: Record<string, number> = {};
  const on: Record<string, number> = {};
  for (const [k, v] of Object.entries(st.out.metrics)) {
    if (typeof v !== 'number') continue;
    if (k.startsWith('autonomy_off.')) off[k.slice('autonomy_off.'.length)] = v;
    if (k.startsWith('autonomy_on.')) on[k.slice('autonomy_on.'.length)] = v;
  }
  if (Object.keys(off).length > 0 && Object.keys(on).length > 0) st.out.comparison = { off, on };
  if (st.out.comparison && st.out.kind === 'unknown') st.out.kind = 'compare';
  return st.out;
}

function isEmpty(out: StresstestOutput): boolean {
  return (
    Object.keys(out.metrics).length === 0 &&
    out.events.length === 0 &&
    out.comparison === null &&
    out.status === null &&
    out.sides === null
  );
}

export interface ParseOptions {
  /** Kind to assume for fragments with no prompt or header (e.g. a bare summary block). */
  kind?: StresstestKind;
}

const COMPARE_OFF = /^\[COMPARE\] Running with autonomy DISABLED/m;
const COMPARE_ON = /^\[COMPARE\] Running with autonomy ENABLED/m;
const COMPARE_RESULTS = /^=== Comparative Results ===/m;

export function parseStresstestOutput(text: string, options: ParseOptions = {}): Result<StresstestOutput> {
  if (typeof text !== 'string' || text.trim() === '')
    return fail('STRESSTEST_PARSE', 'Stresstest output is empty');
  let out: StresstestOutput;
  const offAt = text.search(COMPARE_OFF);
  const onAt = text.search(COMPARE_ON);
  if (offAt >= 0 && onAt > offAt) {
    const resultsAt = text.search(COMPARE_RESULTS);
    const end = resultsAt > onAt ? resultsAt : text.length;
    out = parseBlock(text.slice(0, offAt) + (resultsAt > onAt ? text.slice(resultsAt) : ''));
    const off = parseBlock(text.slice(offAt, onAt).replace(COMPARE_OFF, ''));
    const on = parseBlock(text.slice(onAt, end).replace(COMPARE_ON, ''));
    if (isEmpty(off) || isEmpty(on))
      return fail('STRESSTEST_PARSE', 'A compare side holds no recognisable stresstest output');
    out.kind = 'compare';
    out.sides = { off, on };
    out.subject ??= off.kind;
  } else if (offAt >= 0 || onAt >= 0) {
    return fail('STRESSTEST_PARSE', 'Compare output needs the DISABLED side followed by the ENABLED side');
  } else {
    out = parseBlock(text);
  }
  if (out.kind === 'unknown' && options.kind) out.kind = options.kind;
  if (isEmpty(out)) {
    return fail('STRESSTEST_PARSE', 'No stresstest metrics, events, status or comparison found in the text');
  }
  return ok(out);
}
