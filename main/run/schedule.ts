/**
 * Fixed-time scheduling: every evidence slot has a planned time computed from the run's start
 * (t0 + k x cadence), never from the previous firing, so delays do not accumulate. Each firing
 * reports how late it started against its plan: that error is evidence too.
 */
import type { Disposable } from '../util/event';

export interface Firing {
  index: number;
  plannedAt: number;
  firedAt: number;
  lagMs: number;
}

/** A timer that comes due this close before its planned instant waits it out in place. */
const EARLY_SPIN_MAX_MS = 2;

/**
 * Calls `fn` at `t0 + offsets[k]` for each planned offset, in order, never before it; an offset list
 * may be unbounded (a generator). setTimeout wakes a little late under load; we measure, never hide it.
 */
export function scheduleAt(t0: number, offsets: Iterable<number>, fn: (f: Firing) => void): Disposable {
  const it = offsets[Symbol.iterator]();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let index = 0;
  const next = () => {
    if (stopped) return;
    const n = it.next();
    if (n.done) return;
    const plannedAt = t0 + n.value;
    const k = index++;
    const fire = () => {
      if (stopped) return;
      const early = plannedAt - Date.now();
      if (early > 0) {
        // Plans are in Date.now()'s wall-clock milliseconds; Node's timers count the loop's own
        // monotonic clock, and the two drift apart by a millisecond now and then (a bare
        // setTimeout loop fired 1 ms early in 9 of 300 slots here). A snapshot stamped 1 ms early
        // fell outside the burst window planned for it, and a good probe read as FAIL. Never fire
        // early: wait out a millisecond or two here, re-arm for more.
        if (early > EARLY_SPIN_MAX_MS) {
          timer = setTimeout(fire, early);
          return;
        }
        // Bounded by the monotonic clock too: a wall clock stepped back meanwhile never holds the loop.
        const until = performance.now() + early;
        while (Date.now() < plannedAt && performance.now() < until) {
          /* at most EARLY_SPIN_MAX_MS */
        }
      }
      const firedAt = Date.now();
      try {
        fn({ index: k, plannedAt, firedAt, lagMs: firedAt - plannedAt });
      } finally {
        next();
      }
    };
    timer = setTimeout(fire, Math.max(0, plannedAt - Date.now()));
  };
  next();
  return {
    dispose: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export function* every(cadenceMs: number, from = 0): Generator<number> {
  for (let k = 0; ; k++) yield from + k * cadenceMs;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` or `ms`, whichever is first, leaving no timer behind. */
export async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
