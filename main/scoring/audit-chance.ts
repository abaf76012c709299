/**
 * How likely an honest measurement repeats exactly, so "identical in every run" is only called a
 * stub when coincidence is an implausible explanation. A small count repeats by chance all the time
 * (an honest run has 2 OOM events, and so does the next one); a reward of 32767 in ten episodes of
 * three runs does not. The model treats a value v (in units of its last printed digit) as a count
 * with Poisson-like spread sqrt(v): the chance of hitting exactly v again is about
 * 1 / sqrt(2 pi v). Chances multiply over runs and over the metrics that stayed constant.
 */
import type { AuditRun } from './audit-types';
import type { Relation } from './relations';

/**
 * Constant metrics are flagged when coincidence explains them with less than this chance. At
 * 0.001 the honest runs of scripts/audit-fp-rate.ts are flagged in well under 1% of groups
 * (see README), while seed 002's stubbed runs sit below 1e-5 with three runs.
 */
export const ZERO_VARIANCE_ALPHA = 0.001;
/** A repeat is never called likelier than a coin flip: a value of 0 or 1 repeats easily, not surely. */
const MAX_REPEAT_CHANCE = 0.5;

function decimals(v: number): number {
  const s = String(v);
  const dot = s.indexOf('.');
  return dot < 0 || s.includes('e') ? 0 : s.length - dot - 1;
}

/**
 * The number of resolution steps in a value: its last printed digit is one step, and trailing
 * zeros of a whole number are taken as its resolution (2000 us from a millisecond clock is 2
 * steps), except for percentages, where 100 is the stub's own value and counts 100 steps.
 */
function steps(v: number, unit: string | undefined, resolution?: number): number {
  if (resolution !== undefined && resolution > 0) return Math.max(1, Math.round(Math.abs(v) / resolution));
  let n = Math.abs(v) * 10 ** decimals(v);
  if (Number.isInteger(v) && unit !== '%') while (n >= 10 && n % 10 === 0) n /= 10;
  return Math.max(1, n);
}

/** The chance an honest measurement prints exactly this value again. */
export function repeatChance(v: number | readonly number[], unit?: string, resolution?: number): number {
  if (typeof v !== 'number') return v.reduce((p, x) => p * repeatChance(x, unit, resolution), 1);
  // Zero is what every event that did not happen prints; its repeating is no evidence at all.
  if (v === 0) return 1;
  const n = steps(v, unit, resolution);
  return Math.min(MAX_REPEAT_CHANCE, 1 / Math.sqrt(2 * Math.PI * n));
}

export interface ConstantMetric {
  name: string;
  value: number | number[];
  /** The chance that honest runs all print this value: repeatChance ^ (runs - 1). */
  chance: number;
}

function same(a: number | number[] | undefined, b: number | number[]): boolean {
  if (typeof b === 'number') return a === b;
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Metrics present in every run with the same value in each (two runs at least). */
export function constantMetrics(runs: readonly AuditRun[]): ConstantMetric[] {
  if (runs.length < 2) return [];
  const first = runs[0]!;
  const out: ConstantMetric[] = [];
  for (const [name, v] of Object.entries(first.metrics)) {
    if (!runs.every((r) => same(r.metrics[name], v))) continue;
    // The coarsest clock among the runs decides how easily the value repeats.
    const res = Math.max(0, ...runs.map((r) => r.resolutions?.[name] ?? 0));
    const chance = repeatChance(v, first.units?.[name], res > 0 ? res : undefined);
    out.push({ name, value: v, chance: chance ** (runs.length - 1) });
  }
  return out;
}

/** Summary fields of one distribution (`latency.p50`, `latency.p99`) move together. */
const FIELD_SUFFIX = /\.(?:count|min|p50|p95|p99|p999|max|mean)$/;

function relationMetrics(r: Relation): string[] {
  switch (r.kind) {
    case 'sum':
      return [r.metric, ...r.parts];
    case 'ratio':
      return [r.metric, r.numerator, r.denominator];
    case 'mean':
    case 'max':
      return [r.metric, r.of];
  }
}

/**
 * Metrics that carry no evidence of their own: when every metric of a declared relation stayed
 * constant, one of them follows from the others (a total and its parts, a rate and its counts), so
 * its repeat is not a second coincidence. The least likely one is set aside, so the audit errs
 * towards "honest".
 */
function implied(constants: readonly ConstantMetric[], relations: readonly Relation[]): Set<string> {
  const chance = new Map(constants.map((c) => [c.name, c.chance]));
  const out = new Set<string>();
  for (const r of relations) {
    const names = relationMetrics(r).filter((n) => !out.has(n));
    if (names.length < 2 || !names.every((n) => chance.has(n))) continue;
    out.add(names.reduce((a, b) => (chance.get(b)! < chance.get(a)! ? b : a)));
  }
  return out;
}

/**
 * The chance that all of these stayed constant by coincidence. Metrics count as independent,
 * except the summary fields of one distribution, which count once (their least likely field), and
 * a metric that the run's declared relations derive from other constant metrics, which counts not
 * at all.
 */
export function jointChance(
  constants: readonly ConstantMetric[],
  relations: readonly Relation[] = [],
): number {
  return familyChances(constants, relations).reduce((p, c) => p * c, 1);
}

function familyChances(constants: readonly ConstantMetric[], relations: readonly Relation[]): number[] {
  const families = new Map<string, number>();
  const derived = implied(constants, relations);
  // Two metrics that hold the same value in every run are most likely one quantity printed twice
  // ("OOM Events: 2", "Compaction Triggers: 2"): they count once too.
  const byValue = new Map<string, string>();
  for (const c of constants) {
    if (derived.has(c.name)) continue;
    const field = c.name.replace(FIELD_SUFFIX, '');
    const value = JSON.stringify(c.value);
    const family = byValue.get(value) ?? field;
    byValue.set(value, family);
    families.set(family, Math.min(families.get(family) ?? 1, c.chance));
  }
  return [...families.values()];
}

/** The number of metric families (a distribution's summary fields count once) every run has, zeros aside. */
export function sharedFamilies(runs: readonly AuditRun[]): number {
  const first = runs[0];
  if (!first) return 0;
  const fields = new Set<string>();
  for (const name of Object.keys(first.metrics)) {
    if (!runs.every((r) => r.metrics[name] !== undefined)) continue;
    if (runs.every((r) => r.metrics[name] === 0)) continue;
    fields.add(name.replace(FIELD_SUFFIX, ''));
  }
  return fields.size;
}

function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/**
 * The chance that honest runs show this much agreement anywhere: k of m metric families repeating
 * together is judged against all the ways k of m could have repeated (a union bound, C(m, k) times
 * the joint chance), not only the k that did. Without it, a suite printing a dozen honest counts
 * draws some three-way coincidence far more often than the joint chance of those three says (seen
 * in CI: three attack counts of a lab-kernel red-team run repeated in the next run). A stub repeats
 * nearly every metric, where k is close to m and the factor close to 1.
 */
export function coincidenceChance(
  constants: readonly ConstantMetric[],
  relations: readonly Relation[],
  families: number,
): number {
  const chances = familyChances(constants, relations).filter((c) => c < 1);
  const joint = chances.reduce((p, c) => p * c, 1);
  const m = Math.max(families, chances.length);
  return Math.min(1, joint * choose(m, chances.length));
}
