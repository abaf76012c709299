import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

/** The definition: every object's keys sorted, then JSON.stringify. */
function reference(v: unknown): string {
  const sortDeep = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortDeep);
    if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sortDeep(o[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(sortDeep(v)) ?? 'null';
}

describe('canonicalJson', () => {
  it('is JSON.stringify over sorted keys, for any JSON value, with undefined members and non-finite numbers', () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, true, false, undefined, NaN, Infinity, -0, 1e21, 5e-324),
        fc.double(),
        fc.integer(),
        fc.string({ unit: 'binary' }),
        fc.array(tie('any'), { maxLength: 5 }),
        fc.dictionary(fc.string({ unit: 'binary' }), tie('any'), { maxKeys: 6 }),
      ),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses circular data and bigints, and allows the same object twice side by side', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/circular/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
    const shared = { k: 1 };
    expect(canonicalJson({ b: shared, a: [shared, shared] })).toBe('{"a":[{"k":1},{"k":1}],"b":{"k":1}}');
  });
});
