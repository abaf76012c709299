/**
 * Relations a run's own output declares between its numbers ("Total Rewards" is the sum of the
 * episode rewards, "Avg Reward/Decision" is total / decisions). Checking them is how the stub
 * audit catches figures that were printed rather than computed.
 */

export type Relation =
  /** metric == sum(parts); an array part counts as the sum of its elements. */
  | { kind: 'sum'; metric: string; parts: string[]; decimals?: number }
  /** metric == scale * numerator / denominator. */
  | {
      kind: 'ratio';
      metric: string;
      numerator: string;
      denominator: string;
      scale?: number;
      decimals?: number;
    }
  /** metric == mean(of[from..to]) (inclusive indices; whole array when omitted). */
  | { kind: 'mean'; metric: string; of: string; from?: number; to?: number; decimals?: number }
  /** metric == max(of). */
  | { kind: 'max'; metric: string; of: string };

/**
 * A declared figure more than 1% away from what its own inputs give is wrong, however it was
 * rounded: seed 002 calls 327670 / 102322 = 3.2 printed as "3" an inconsistency, and so do we.
 * Sums of whole numbers must match exactly.
 */
export const RELATIVE_TOLERANCE = 0.01;

export interface RelationCheck {
  relation: Relation;
  declared: number;
  computed: number;
  holds: boolean;
}

type Metrics = Readonly<Record<string, number | readonly number[]>>;

function total(v: number | readonly number[]): number {
  return typeof v === 'number' ? v : v.reduce((s, x) => s + x, 0);
}

function isWhole(v: number | readonly number[]): boolean {
  return typeof v === 'number' ? Number.isInteger(v) : v.every(Number.isInteger);
}

/** Returns null when a metric the relation names is missing (nothing to check). */
export function checkRelation(relation: Relation, metrics: Metrics): RelationCheck | null {
  const declared = metrics[relation.metric];
  if (typeof declared !== 'number') return null;
  let computed: number;
  let exact = false;
  switch (relation.kind) {
    case 'sum': {
      const parts = relation.parts.map((p) => metrics[p]);
      if (parts.length === 0 || parts.some((p) => p === undefined)) return null;
      const present = parts as (number | readonly number[])[];
      computed = present.reduce<number>((s, p) => s + total(p), 0);
      exact = Number.isInteger(declared) && present.every(isWhole);
      break;
    }
    case 'ratio': {
      const num = metrics[relation.numerator];
      const den = metrics[relation.denominator];
      if (typeof num !== 'number' || typeof den !== 'number' || den === 0) return null;
      computed = ((relation.scale ?? 1) * num) / den;
      break;
    }
    case 'mean': {
      const arr = metrics[relation.of];
      if (!Array.isArray(arr)) return null;
      const slice = (arr as readonly number[]).slice(
        relation.from ?? 0,
        relation.to === undefined ? undefined : relation.to + 1,
      );
      if (slice.length === 0) return null;
      computed = total(slice) / slice.length;
      break;
    }
    case 'max': {
      const arr = metrics[relation.of];
      if (!Array.isArray(arr) || arr.length === 0) return null;
      computed = Math.max(...(arr as readonly number[]));
      exact = true;
      break;
    }
  }
  const diff = Math.abs(declared - computed);
  const holds = exact ? diff === 0 : diff <= Math.max(RELATIVE_TOLERANCE * Math.abs(computed), 1e-9);
  return { relation, declared, computed, holds };
}

export function describeRelation(r: Relation): string {
  switch (r.kind) {
    case 'sum':
      return `${r.metric} = ${r.parts.join(' + ')}`;
    case 'ratio':
      return `${r.metric} = ${r.scale && r.scale !== 1 ? `${r.scale} x ` : ''}${r.numerator} / ${r.denominator}`;
    case 'mean':
      return `${r.metric} = mean(${r.of}${r.from !== undefined ? `[${r.from}..${r.to ?? ''}]` : ''})`;
    case 'max':
      return `${r.metric} = max(${r.of})`;
  }
}
