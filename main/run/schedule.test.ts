import { describe, expect, it } from 'vitest';
import { every, scheduleAt, type Firing } from './schedule';

describe('scheduleAt', () => {
  it('never fires before its planned instant', async () => {
    // Plans are in Date.now()'s milliseconds; Node's timers count the loop's own clock, and the two
    // drift apart by a millisecond here and there: a bare setTimeout loop on this schedule fired
    // 1 ms early in 9 of 300 slots here, and a snapshot stamped so fell outside its burst window.
    const firings: Firing[] = [];
    await new Promise<void>((done) => {
      const sub = scheduleAt(Date.now(), every(7), (f) => {
        firings.push(f);
        if (firings.length === 300) {
          sub.dispose();
          done();
        }
      });
    });
    expect(firings.filter((f) => f.lagMs < 0)).toEqual([]);
  });
});
