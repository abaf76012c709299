import { describe, expect, it } from 'vitest';
import {
  assessDrift,
  complianceScore,
  computeTes,
  driftClass,
  footprintScore,
  probeTes,
  velocityScore,
} from './tes';
import { TesConfigSchema } from '../model/plan';

const v2 = TesConfigSchema.parse({});
const v3 = TesConfigSchema.parse({ variant: 'v3' });

describe('TES (seed formula)', () => {
  it('velocity is 1 up to 90 s, 0 from 900 s, linear between', () => {
    expect(velocityScore(90_000, v2.velocity)).toBe(1);
    expect(velocityScore(900_000, v2.velocity)).toBe(0);
    expect(velocityScore(495_000, v2.velocity)).toBeCloseTo(0.5, 6);
  });

  it('footprint is 1 at one file or none, 0 at ten or more, linear between', () => {
    expect(footprintScore(0, v2.footprint)).toBe(1);
    expect(footprintScore(1, v2.footprint)).toBe(1);
    expect(footprintScore(10, v2.footprint)).toBe(0);
    expect(footprintScore(55, v2.footprint)).toBe(0);
    expect(footprintScore(4, v2.footprint)).toBeCloseTo(2 / 3, 6);
  });

  it('pins the seed expectations: clean 100, slow 70, large 80, both 50, with one decimal', () => {
    const t = (runMs: number, files: number) =>
      computeTes({ subject: 's', runMs, filesChanged: files, outcome: 'exited' }, v2).score;
    expect(t(10_000, 0)).toBe(100);
    expect(t(1_000_000, 1)).toBe(70);
    expect(t(10_000, 10)).toBe(80);
    expect(t(1_000_000, 12)).toBe(50);
    expect(t(300_000, 4)).toBe(Math.round(1000 * (0.5 + 0.3 * (1 - 210 / 810) + 0.2 * (2 / 3))) / 10);
  });

  it('stability: 0.6 failed without files, 0.2 failed after files, 0 not finished', () => {
    const s = (outcome: 'failed' | 'stopped', files: number) =>
      computeTes({ subject: 's', runMs: 1000, filesChanged: files, outcome }, v2);
    expect(s('failed', 0).components.stability).toBe(0.6);
    expect(s('failed', 0).score).toBe(80);
    expect(s('failed', 3).components.stability).toBe(0.2);
    expect(s('stopped', 0).components.stability).toBe(0);
    expect(s('stopped', 0).penalties.stability).toBe(50);
  });

  it('v3 adds compliance (warnings count half) and coherence falling back to stability', () => {
    expect(complianceScore(['ok', 'warning', 'critical', 'ok'])).toBe(0.625);
    const r = computeTes(
      { subject: 's', runMs: 1000, filesChanged: 0, outcome: 'failed', pulseClasses: ['ok', 'warning'] },
      v3,
    );
    expect(r.components.compliance).toBe(0.75);
    expect(r.components.coherence).toBe(0.6);
    expect(r.score).toBe(Math.round(1000 * (0.4 * 0.6 + 0.2 + 0.15 + 0.15 * 0.75 + 0.1 * 0.6)) / 10);
  });

  it('classifies drift: golden >= 99, mild 95-98, significant < 95, penalised < 85', () => {
    expect(driftClass(99)).toBe('golden');
    expect(driftClass(97.5)).toBe('mild');
    expect(driftClass(90)).toBe('significant');
    expect(driftClass(84.9)).toBe('penalised');
  });

  it('flags a significant drop that no declared penalty explains, not one the velocity penalty explains', () => {
    const clean = computeTes({ subject: 'probe', runMs: 1000, filesChanged: 0, outcome: 'exited' }, v2);
    const crashed = computeTes({ subject: 'probe', runMs: 1000, filesChanged: 0, outcome: 'failed' }, v2);
    const slow = computeTes({ subject: 'probe', runMs: 2_000_000, filesChanged: 0, outcome: 'exited' }, v2);
    expect(assessDrift([clean, crashed])?.unexplained).toBe(true);
    expect(assessDrift([clean, slow])?.unexplained).toBe(false);
    expect(assessDrift([clean, slow])?.spread).toBe(30);
    expect(probeTes([clean, slow], v2)?.score).toBe(85);
  });
});
