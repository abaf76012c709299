import { describe, expect, it } from 'vitest';
import type { Pulse } from '../../../preload/contract';
import { pulseHealth } from './pulse-health';

const pulse = (seq: number, status: Pulse['status'], reasons: string[] = []) =>
  ({ seq, status, reasons }) as unknown as Pulse;

describe('pulseHealth', () => {
  it('explains a YELLOW with the reasons of the pulse that made it', () => {
    const h = pulseHealth([pulse(1, 'GREEN'), pulse(2, 'YELLOW', ['host CPU 92% over 85%'])]);
    expect(h).toEqual({ status: 'YELLOW', why: 'YELLOW at pulse 2: host CPU 92% over 85%', earlier: false });
  });

  it('keeps the latest non-green explanation once the run is GREEN again', () => {
    const h = pulseHealth([pulse(1, 'RED', ['pulse skipped']), pulse(2, 'GREEN')]);
    expect(h).toEqual({ status: 'GREEN', why: 'RED at pulse 1: pulse skipped', earlier: true });
  });

  it('says nothing when every pulse was GREEN, or before the first pulse', () => {
    expect(pulseHealth([pulse(1, 'GREEN')]).why).toBeNull();
    expect(pulseHealth([])).toEqual({ status: null, why: null, earlier: false });
  });
});
