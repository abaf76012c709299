import { describe, expect, it } from 'vitest';
import type { Anomaly, RunEventRecord } from '../../../preload/contract';
import { timelineRows } from './event-rows';

const ev = (at: number, message: string) => ({ at, kind: 'run', message }) as RunEventRecord;
const an = (at: number, code: string) =>
  ({ at, code, severity: 'warning', message: code }) as unknown as Anomaly;

describe('timelineRows', () => {
  const events = [ev(3_000, 'c'), ev(1_000, 'a')];
  const anomalies = [an(2_000, 'B')];

  it('lists oldest first, events and anomalies merged', () => {
    expect(timelineRows(events, anomalies, 'oldest-first', 10).map((r) => r.at)).toEqual([
      1_000, 2_000, 3_000,
    ]);
  });

  it('lists newest first when asked, keeping the most recent rows either way', () => {
    expect(timelineRows(events, anomalies, 'newest-first', 2).map((r) => r.at)).toEqual([3_000, 2_000]);
    expect(timelineRows(events, anomalies, 'oldest-first', 2).map((r) => r.at)).toEqual([2_000, 3_000]);
  });
});
