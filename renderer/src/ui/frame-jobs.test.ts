import { describe, expect, it } from 'vitest';
import { FrameJobs } from './frame-jobs';

/** A hand-cranked frame clock: each frame() runs what was requested before it. */
function clock() {
  let waiting: (() => void)[] = [];
  return {
    request: (cb: () => void) => void waiting.push(cb),
    frame() {
      const now = waiting;
      waiting = [];
      for (const cb of now) cb();
    },
    get requested() {
      return waiting.length;
    },
  };
}

describe('FrameJobs', () => {
  it('runs one job per frame, oldest first', () => {
    const c = clock();
    const jobs = new FrameJobs(c.request);
    const ran: string[] = [];
    jobs.run('a', () => ran.push('a'));
    jobs.run('b', () => ran.push('b'));
    jobs.run('c', () => ran.push('c'));
    expect(c.requested).toBe(1);
    c.frame();
    expect(ran).toEqual(['a']);
    c.frame();
    c.frame();
    expect(ran).toEqual(['a', 'b', 'c']);
    c.frame();
    expect(c.requested).toBe(0);
  });

  it('keeps one job per key: the newest, in the place of the first', () => {
    const c = clock();
    const jobs = new FrameJobs(c.request);
    const ran: string[] = [];
    jobs.run('chart', () => ran.push('chart v1'));
    jobs.run('pane', () => ran.push('pane'));
    jobs.run('chart', () => ran.push('chart v2'));
    c.frame();
    c.frame();
    expect(ran).toEqual(['chart v2', 'pane']);
  });

  it('drops a cancelled job, and a throwing job does not stall the queue', () => {
    const c = clock();
    const jobs = new FrameJobs(c.request);
    const ran: string[] = [];
    const cancel = jobs.run('gone', () => ran.push('gone'));
    jobs.run('boom', () => {
      throw new Error('boom');
    });
    jobs.run('after', () => ran.push('after'));
    cancel();
    expect(() => c.frame()).toThrow('boom');
    c.frame();
    expect(ran).toEqual(['after']);
    expect(jobs.size).toBe(0);
  });
});
