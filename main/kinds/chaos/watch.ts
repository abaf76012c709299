/**
 * What a chaos run watches on each target, from the target's own events: heartbeats (agents'
 * `@lab heartbeat` lines, the guest's LAB-HB lines), output activity and the `spike-done` /
 * `flood-done` reports. Waiters resolve on the first matching event after a given moment, so a
 * recovery time is the time of a real event, not of a poll.
 */
import type { Target, TargetSignal } from '../../lab/target';
import type { Disposable } from '../../util/event';

export interface Beat {
  at: number;
  cpuMs: number | null;
  rssKb: number | null;
  memAvailableKb: number | null;
  messages: number | null;
}

interface Waiter<T> {
  after: number;
  accept: (x: T) => boolean;
  resolve: (x: T | null) => void;
}

const BEATS_KEPT = 64;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class TargetWatch implements Disposable {
  readonly beats: Beat[] = [];
  lastOutputAt = 0;
  outputBytes = 0;
  private readonly subs: Disposable[];
  private readonly beatWaiters: Waiter<Beat>[] = [];
  private readonly outputWaiters: Waiter<number>[] = [];
  private readonly signalWaiters: Waiter<TargetSignal>[] = [];

  constructor(readonly target: Target) {
    this.subs = [
      target.onDidSignal((s) => this.onSignal(s)),
      target.onDidOutput((d) => {
        const at = Date.now();
        this.lastOutputAt = at;
        this.outputBytes += d.length;
        settle(this.outputWaiters, at, at);
      }),
    ];
  }

  private onSignal(s: TargetSignal): void {
    settle(this.signalWaiters, s.at, s);
    if (s.type !== 'heartbeat') return;
    const b: Beat = {
      at: s.at,
      cpuMs: num(s.data.cpuMs),
      rssKb: num(s.data.rssKb),
      memAvailableKb: num(s.data.memAvailableKb),
      messages: num(s.data.messages),
    };
    this.beats.push(b);
    if (this.beats.length > BEATS_KEPT) this.beats.shift();
    settle(this.beatWaiters, b.at, b);
  }

  /** The previous heartbeat before `b` (for rates between two beats). */
  before(b: Beat): Beat | null {
    const i = this.beats.indexOf(b);
    return i > 0 ? (this.beats[i - 1] ?? null) : null;
  }

  nextBeat(after: number, until: number, accept: (b: Beat) => boolean = () => true): Promise<Beat | null> {
    const past = this.beats.find((b) => b.at > after && accept(b));
    if (past) return Promise.resolve(past);
    return wait(this.beatWaiters, after, until, accept);
  }

  nextOutput(after: number, until: number): Promise<number | null> {
    if (this.lastOutputAt > after) return Promise.resolve(this.lastOutputAt);
    return wait(this.outputWaiters, after, until, () => true);
  }

  nextSignal(
    after: number,
    until: number,
    accept: (s: TargetSignal) => boolean,
  ): Promise<TargetSignal | null> {
    return wait(this.signalWaiters, after, until, accept);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const w of this.beatWaiters.splice(0)) w.resolve(null);
    for (const w of this.outputWaiters.splice(0)) w.resolve(null);
    for (const w of this.signalWaiters.splice(0)) w.resolve(null);
  }
}

/** Resolves (and removes, in place) every waiter that `x` at `at` satisfies. */
function settle<T>(waiters: Waiter<T>[], at: number, x: T): void {
  for (let i = waiters.length - 1; i >= 0; i--) {
    const w = waiters[i] as Waiter<T>;
    if (at > w.after && w.accept(x)) {
      waiters.splice(i, 1);
      w.resolve(x);
    }
  }
}

function wait<T>(
  list: Waiter<T>[],
  after: number,
  until: number,
  accept: (x: T) => boolean,
): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        const i = list.indexOf(w);
        if (i >= 0) list.splice(i, 1);
        resolve(null);
      },
      Math.max(0, until - Date.now()),
    );
    const w: Waiter<T> = {
      after,
      accept,
      resolve: (x) => {
        clearTimeout(timer);
        resolve(x);
      },
    };
    list.push(w);
  });
}
