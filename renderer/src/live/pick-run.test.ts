import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../preload/contract';
import { pickRun } from './pick-run';

const run = (runId: string, startedAt: number, status: RunSummary['status']): RunSummary => ({
  runId,
  planId: 'p',
  title: 'P',
  startedAt,
  endedAt: status === 'ended' ? startedAt + 1 : null,
  status,
  verdict: status === 'ended' ? 'PASS' : null,
  reportPath: null,
});

describe('pickRun', () => {
  it('prefers the run in the address, then the active run, then the newest', () => {
    const runs = [run('old', 1, 'ended'), run('new', 3, 'ended'), run('halting', 2, 'halting')];
    expect(pickRun('named', runs)).toBe('named');
    expect(pickRun(null, runs)).toBe('halting');
    expect(
      pickRun(
        null,
        runs.filter((r) => r.status === 'ended'),
      ),
    ).toBe('new');
    expect(pickRun(null, [])).toBeNull();
    expect(pickRun(null, undefined)).toBeNull();
  });
});
