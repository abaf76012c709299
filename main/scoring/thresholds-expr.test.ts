import { describe, expect, it } from 'vitest';
import { LabError } from '../util/errors';
import { evaluateThreshold, parseThresholdExpr } from './thresholds-expr';

describe('parseThresholdExpr', () => {
  it('parses every k6 form the gate uses', () => {
    expect(parseThresholdExpr('p(99)<5')).toEqual({
      aggregation: { kind: 'percentile', p: 99 },
      op: '<',
      threshold: 5,
      source: 'p(99)<5',
    });
    expect(parseThresholdExpr(' p( 99.9 ) <= 200 ').aggregation).toEqual({ kind: 'percentile', p: 99.9 });
    expect(parseThresholdExpr('max<1000').aggregation).toEqual({ kind: 'max' });
    expect(parseThresholdExpr('avg<3').op).toBe('<');
    expect(parseThresholdExpr('count>=100').op).toBe('>=');
    expect(parseThresholdExpr('value==0').threshold).toBe(0);
    expect(parseThresholdExpr('rate<0.1').threshold).toBe(0.1);
    expect(parseThresholdExpr('min>-2.5e1').threshold).toBe(-25);
    expect(parseThresholdExpr('med!=4').op).toBe('!=');
  });

  it.each([
    ['', 'empty'],
    ['p99<5', 'expected "("'],
    ['p(99<5', 'expected ")"'],
    ['p(101)<5', 'outside 0..100'],
    ['mean<3', 'unknown aggregation "mean"'],
    ['avg=>3', 'expected an operator'],
    ['avg<', 'expected a number'],
    ['avg<3kb', 'unexpected "kb"'],
    ['< 3', 'expected an aggregation'],
  ])('rejects %j with a coded error (%s)', (src, hint) => {
    try {
      parseThresholdExpr(src);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('THRESHOLD_EXPR_INVALID');
      expect((err as LabError).message).toContain(hint);
    }
  });
});

describe('evaluateThreshold', () => {
  const metric = { unit: 'ms', count: 500, min: 1, p50: 2, p95: 4, p99: 7.5, p999: 12, max: 30, mean: 2.4 };

  it('compares the stored aggregate', () => {
    expect(evaluateThreshold(parseThresholdExpr('p(99)<5'), { metric })).toEqual({ ok: false, actual: 7.5 });
    expect(evaluateThreshold(parseThresholdExpr('p(95)<=4'), { metric })).toEqual({ ok: true, actual: 4 });
    expect(evaluateThreshold(parseThresholdExpr('avg<3'), { metric }).ok).toBe(true);
    expect(evaluateThreshold(parseThresholdExpr('count>=1000'), { metric })).toEqual({
      ok: false,
      actual: 500,
    });
    expect(evaluateThreshold(parseThresholdExpr('max<1000'), { metric }).ok).toBe(true);
    expect(evaluateThreshold(parseThresholdExpr('med==2'), { metric }).ok).toBe(true);
  });

  it('computes a percentile the metric does not store from raw samples', () => {
    const samples = Array.from({ length: 101 }, (_, i) => i);
    const out = evaluateThreshold(parseThresholdExpr('p(90)<95'), { metric: { unit: 'ms' }, samples });
    expect(out).toEqual({ ok: true, actual: 90 });
  });

  it('reads counters through value, count and rate', () => {
    expect(evaluateThreshold(parseThresholdExpr('value==0'), { counter: 0 }).ok).toBe(true);
    expect(evaluateThreshold(parseThresholdExpr('value==0'), { counter: 4 })).toEqual({
      ok: false,
      actual: 4,
    });
    expect(
      evaluateThreshold(parseThresholdExpr('rate<0.1'), { metric: { unit: 'ratio', value: 0.02 } }).ok,
    ).toBe(true);
  });

  it('fails, with a reason, when the metric cannot answer', () => {
    const out = evaluateThreshold(parseThresholdExpr('p(99)<5'), { metric: { unit: '%', value: 91 } });
    expect(out.ok).toBe(false);
    expect(out.actual).toBeNull();
    expect(out.reason).toContain('p(99)');
    expect(evaluateThreshold(parseThresholdExpr('p(99)<5'), { counter: 3 }).ok).toBe(false);
  });
});

describe('time units in thresholds', () => {
  it('converts a written unit into the metric unit, and refuses a unit on a unitless metric', () => {
    const metric = { unit: 'us', p99: 69_050 } as const;
    expect(evaluateThreshold(parseThresholdExpr('p(99)<100ms'), { metric }).ok).toBe(true);
    expect(evaluateThreshold(parseThresholdExpr('p(99)<50ms'), { metric }).ok).toBe(false);
    expect(evaluateThreshold(parseThresholdExpr('p(99)<0.07s'), { metric }).ok).toBe(true);
    expect(evaluateThreshold(parseThresholdExpr('p(99)<69051us'), { metric }).ok).toBe(true);
    // A bare number stays in the metric's own unit, as in k6.
    expect(evaluateThreshold(parseThresholdExpr('p(99)<100'), { metric }).ok).toBe(false);
    const r = evaluateThreshold(parseThresholdExpr('value<5ms'), {
      metric: { unit: 'count', value: 1 } as never,
    });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/unit/);
  });
});
