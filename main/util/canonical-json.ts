/**
 * Deterministic JSON: object keys sorted, no blanks; undefined members dropped, as JSON.stringify
 * does; non-finite numbers as null; circular data and bigints refused. One implementation for every
 * hash that must not depend on key order (ledger records, plan hashes).
 *
 * It runs on every ledger record (a snapshot of 20 targets each second), where it was the engine's
 * largest single cost while watching idle agents: hence string building without intermediate
 * arrays, an ancestor stack instead of a Set for the cycle check, and a bounded cache of quoted
 * keys (records repeat the same few dozen). A property test holds it to the plain definition.
 */
import { LabError } from './errors';

/** Quoted keys kept; agent-supplied data may bring any number of new keys, so the cache is capped. */
const KEY_CACHE_MAX = 4096;
const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < KEY_CACHE_MAX) quotedKeys.set(key, q);
  }
  return q;
}

function canonical(value: unknown, stack: object[]): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new LabError('INTERNAL', 'canonical JSON cannot hold a bigint');
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return canonical(obj.toJSON(), stack);
  if (stack.includes(obj)) throw new LabError('INTERNAL', 'canonical JSON cannot hold circular data');
  stack.push(obj);
  try {
    if (Array.isArray(obj)) {
      let out = '[';
      for (let i = 0; i < obj.length; i++) {
        if (i > 0) out += ',';
        out += canonical(obj[i], stack) ?? 'null';
      }
      return out + ']';
    }
    const keys = Object.keys(obj);
    if (keys.length > 1) keys.sort();
    let out = '{';
    let first = true;
    for (const key of keys) {
      const v = canonical((obj as Record<string, unknown>)[key], stack);
      if (v === undefined) continue;
      out += first ? quoteKey(key) : ',' + quoteKey(key);
      out += ':' + v;
      first = false;
    }
    return out + '}';
  } finally {
    stack.pop();
  }
}

export function canonicalJson(value: unknown): string {
  return canonical(value, []) ?? 'null';
}
