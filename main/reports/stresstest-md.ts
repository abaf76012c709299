/**
 * The report's "Stress suites" section for `extra.stresstest` (the stresstest kind): one row per
 * suite run with its status and key numbers, then the stub audit's findings per suite. The extra
 * is read as untrusted data (a report may be rendered from a file), so every field is checked and
 * every guest-chosen text is escaped.
 */
import { mdCell, mdText as t } from './md-escape';

/** How many of a suite's printed numbers the table shows (the JSON holds all of them). */
const KEY_NUMBERS = 6;
/** Numbers that say most about each suite, in the order shown; others follow if room is left. */
const PREFERRED = [
  'peak_pressure',
  'memory_allocated',
  'oom_events',
  'commands_sent',
  'commands_processed',
  'latency.p50',
  'latency.p99',
  'total_rewards',
  'first_episode_reward',
  'last_episode_reward',
  'best_mean_reward',
  'attacks_run',
  'attacks_survived',
  'attacks_failed',
  'total_events',
  'successful_recoveries',
  'failed_recoveries',
  'recovery_success_rate',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyNumbers(output: Obj): string {
  const metrics = isObj(output.metrics) ? output.metrics : {};
  const units = isObj(output.units) ? output.units : {};
  const nums = Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
  const order = [
    ...PREFERRED.flatMap((k) => nums.filter(([n]) => n === k)),
    ...nums.filter(([n]) => !PREFERRED.includes(n)),
  ];
  const shown = order
    .slice(0, KEY_NUMBERS)
    .map(([n, v]) => `${n} ${v}${typeof units[n] === 'string' ? ` ${units[n]}` : ''}`);
  const cmp = isObj(output.comparison) ? output.comparison : null;
  if (cmp && isObj(cmp.off) && isObj(cmp.on)) {
    for (const [k, off] of Object.entries(cmp.off).slice(0, 2))
      shown.push(`${k} off=${String(off)} on=${String(cmp.on[k])}`);
  }
  return shown.join('; ');
}

export function stresstestMarkdown(extra: unknown): string[] {
  if (!isObj(extra) || !Array.isArray(extra.runs)) return [];
  const L: string[] = [
    '## Stress suites (seed 002)',
    '',
    '| target | suite | repetition | ms | status | key numbers |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of extra.runs) {
    if (!isObj(r)) continue;
    const out = isObj(r.output) ? r.output : null;
    const status = out ? String(out.status ?? 'none') : `not parsed: ${String(r.error ?? '')}`;
    L.push(
      `| ${mdCell(String(r.targetId))} | ${mdCell(String(r.label ?? r.suite))} | ${Number(r.repetition)} | ${Number(r.ms)} | ${mdCell(status)} | ${mdCell(out ? keyNumbers(out) : '')} |`,
    );
  }
  L.push('', '### Stub audit', '');
  const audit = isObj(extra.audit) ? extra.audit : null;
  const groups = audit && Array.isArray(audit.groups) ? audit.groups.filter(isObj) : [];
  if (audit && typeof audit.note === 'string') L.push(`Note: ${t(audit.note)}`, '');
  if (!groups.some((g) => Array.isArray(g.findings) && g.findings.length > 0))
    L.push('No findings: the repetitions vary and their numbers add up.');
  for (const g of groups) {
    const findings = Array.isArray(g.findings) ? g.findings.filter(isObj) : [];
    L.push(
      `- ${t(String(g.targetId))} ${t(String(g.suite))} (${Number(g.runs)} run(s)): ${findings.length} finding(s)`,
    );
    for (const f of findings)
      L.push(`  - ${t(String(f.code))} ${t(String(f.metric))}: ${t(String(f.message))}`);
  }
  L.push('');
  return L;
}
