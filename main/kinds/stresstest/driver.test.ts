import { describe, expect, it } from 'vitest';
import { stresstestCommandLine } from './driver';

describe('stresstestCommandLine', () => {
  it('builds the seed 002 command lines from typed options', () => {
    expect(stresstestCommandLine('memory', { durationMs: 10000, targetPressurePct: 85 })).toBe(
      'stresstest memory --duration 10000 --target-pressure 85',
    );
    expect(stresstestCommandLine('chaos', { durationMs: 30000, failRatePct: 20 })).toBe(
      'stresstest chaos --duration 30000 --fail-rate 20',
    );
    expect(stresstestCommandLine('compare', { compare: 'memory', durationMs: 20000 })).toBe(
      'stresstest compare memory --duration 20000',
    );
  });

  it('refuses values that are not bounded integers, so no free text reaches the guest', () => {
    expect(() => stresstestCommandLine('memory', { durationMs: 1.5 })).toThrow(/integer/);
    expect(() => stresstestCommandLine('memory', { targetPressurePct: 101 })).toThrow(/integer/);
    expect(() => stresstestCommandLine('compare', {})).toThrow(/compare/);
    expect(() => stresstestCommandLine('rm -rf /' as never)).toThrow(/unknown/);
  });
});
