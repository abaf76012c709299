/**
 * Line by line reading of one stresstest block: `[TAG]` logs, chaos events, episode rewards and
 * indented `Label: value` trees (a dash list under a valued line declares its parts).
 */
import {
  COMMAND_KINDS,
  CONFIG_KEYS,
  HEADER_KINDS,
  NUMBER,
  PAIR_RE,
  STATUS_KEYS,
  TRAILING_NOTE_RE,
  VALUE_RE,
  decimalsOf,
  emptyOutput,
  snake,
  toNumber,
  type ChaosEventLine,
  type StresstestOutput,
} from './stresstest-types';

interface Frame {
  indent: number;
  key: string;
  /** Metric name when the header line carried a value ("AI interventions: 18"). */
  valued: string | null;
  children: string[];
  dashChildren: boolean;
}

export interface ParseState {
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

export function popTo(st: ParseState, indent: number): void {
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

export function parseLine(st: ParseState, line: string): void {
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

export function newParseState(): ParseState {
  return { out: emptyOutput(), stack: [], episodes: new Map(), decimals: {}, curves: [], printedCycle: [] };
}
