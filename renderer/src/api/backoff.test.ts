import { describe, expect, it } from 'vitest';
import { RECONNECT_BASE_MS, RECONNECT_MAX_MS, reconnectDelayMs } from './backoff';

describe('reconnectDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const noJitter = () => 0;
    expect(reconnectDelayMs(0, noJitter)).toBe(RECONNECT_BASE_MS);
    expect(reconnectDelayMs(1, noJitter)).toBe(RECONNECT_BASE_MS * 2);
    expect(reconnectDelayMs(3, noJitter)).toBe(RECONNECT_BASE_MS * 8);
    expect(reconnectDelayMs(50, noJitter)).toBe(RECONNECT_MAX_MS);
  });

  it('jitter only shortens, by at most a fifth', () => {
    expect(reconnectDelayMs(50, () => 1)).toBe(RECONNECT_MAX_MS * 0.8);
    expect(reconnectDelayMs(0, () => 0.5)).toBeLessThan(RECONNECT_BASE_MS);
  });
});
