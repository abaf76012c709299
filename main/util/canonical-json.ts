/**
 * Deterministic JSON: object keys sorted, no blanks; undefined members dropped, as JSON.stringify
 * does; non-finite numbers as null; circular data and bigints refused. One implementation for every
 * hash that must not depend on key order (ledger records, plan hashes).
 */
import { LabError } from './errors';

function canonical(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new LabError('INTERNAL', 'canonical JSON cannot hold a bigint');
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return canonical(obj.toJSON(), seen);
  if (seen.has(obj)) throw new LabError('INTERNAL', 'canonical JSON cannot hold circular data');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v: unknown) => canonical(v, seen) ?? 'null').join(',')}]`;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const v = canonical((obj as Record<string, unknown>)[key], seen);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

export function canonicalJson(value: unknown): string {
  return canonical(value, new Set()) ?? 'null';
}
