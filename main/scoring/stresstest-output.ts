/**
 * Parser for the `stresstest` shell dialect of seed 002 (memory, commands, multi, learning,
 * redteam, chaos, compare, and the Phase 4 report), in both its Appendix A baseline form and the
 * enhanced Appendix B form. The output is structured metrics plus the relations the text itself
 * declares (a total and its parts, an average and its inputs), so the stub audit can check that
 * what a target prints adds up. Untrusted text: a line this parser does not know is skipped, but
 * text with nothing recognisable in it is a coded error.
 */
import { fail, ok, type Result } from '../util/errors';
import { newParseState, parseLine, popTo, type ParseState } from './stresstest-lines';
import type { StresstestKind, StresstestOutput } from './stresstest-types';

export {
  toNumber,
  snake,
  type StresstestKind,
  type StresstestOutput,
  type ChaosEventLine,
} from './stresstest-types';

/**
 * "(repeats Nx)" is expanded into N copies of the printed cycle; untrusted text could ask for
 * billions. 100,000 events is far beyond any chaos run's length and still a few MB at most.
 */
const MAX_EXPANDED_EVENTS = 100_000;

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
  const st: ParseState = newParseState();
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
