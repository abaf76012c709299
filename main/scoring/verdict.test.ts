import { describe, expect, it } from 'vitest';
import type { Pulse, ThresholdResult } from '../model/evidence';
import { BURST_EVIDENCE, burstDuringTasks, decideVerdict } from './verdict';

const pulse = (phase: Pulse['phase'], alive: boolean, cls: Pulse['latencyClass'] = 'ok') =>
  ({
    phase,
    latencyClass: cls,
    targets: [
      { targetId: 'task', alive, responsive: alive, rttMs: 1, method: 'ping', detail: '', tes: null },
    ],
  }) as unknown as Pulse;
const row = (name: string, ok: boolean): ThresholdResult => ({ name, ok, actual: '', expected: '' });

describe('burst evidence and the verdict', () => {
  it('counts only non-skipped during pulses that found a task alive', () => {
    const ps = [
      pulse('before', true),
      pulse('during', false),
      pulse('during', true, 'skipped'),
      pulse('after', true),
    ];
    expect(burstDuringTasks(ps, ['task'])).toEqual([]);
    expect(burstDuringTasks([...ps, pulse('during', true)], ['task'])).toHaveLength(1);
    // Without task targets any during pulse of the probe's work counts (chaos, kernels).
    expect(burstDuringTasks(ps, [])).toHaveLength(1);
  });

  it('is INCOMPLETE when only the evidence is missing, FAIL over it, HALTED over all', () => {
    expect(decideVerdict([row('a', true), row(BURST_EVIDENCE, true)], false)).toBe('PASS');
    expect(decideVerdict([row('a', true), row(BURST_EVIDENCE, false)], false)).toBe('INCOMPLETE');
    expect(decideVerdict([row('a', false), row(BURST_EVIDENCE, false)], false)).toBe('FAIL');
    expect(decideVerdict([row(BURST_EVIDENCE, false)], true)).toBe('HALTED');
  });
});
