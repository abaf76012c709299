import { describe, expect, it } from 'vitest';
import { runProgress } from './run-progress';

describe('runProgress', () => {
  it('shows elapsed against the maximum while running', () => {
    const p = runProgress({ status: 'running', startedAt: 0, endedAt: null }, 45, 13_000);
    expect(p).toMatchObject({ ended: false, text: '0:13 / 0:45', label: '29%' });
  });

  it('shows the final elapsed time and a complete bar once the run has ended, not a frozen partial', () => {
    const p = runProgress({ status: 'ended', startedAt: 0, endedAt: 13_000 }, 45, 99_000);
    expect(p).toMatchObject({
      ended: true,
      elapsedMs: 13_000,
      text: '0:13 (max 0:45)',
      pct: 100,
      label: 'ended',
    });
  });
});
