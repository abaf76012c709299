import { describe, expect, it } from 'vitest';
import type { RunStreamEvent } from '../model/api';
import type { RunConclusion, RunMeta, RunOutput } from './output';
import { Recorder } from './recorder';

const meta = {} as RunMeta;

function collecting(name: string, seen: RunStreamEvent[]): RunOutput {
  return { name, start: () => {}, add: (e) => void seen.push(e), stop: async () => {} };
}

describe('Recorder', () => {
  it('hands every output and listener the very same event, once', () => {
    const r = new Recorder('r1');
    const a: RunStreamEvent[] = [];
    const b: RunStreamEvent[] = [];
    const heard: RunStreamEvent[] = [];
    r.addOutput(collecting('a', a), meta);
    r.addOutput(collecting('b', b), meta);
    r.onDidRecord((e) => heard.push(e));
    r.event({ at: 1, kind: 'run', message: 'hello' });
    expect(a).toHaveLength(1);
    expect(b[0]).toBe(a[0]);
    expect(heard[0]).toBe(a[0]);
    expect(a[0]).toEqual({ type: 'event', runId: 'r1', event: { at: 1, kind: 'run', message: 'hello' } });
  });

  it('catches a throwing output, records it once as an anomaly and keeps feeding the others', async () => {
    const r = new Recorder('r1');
    const seen: RunStreamEvent[] = [];
    const broken: RunOutput = {
      name: 'broken',
      start: () => {},
      add: () => {
        throw new Error('EPIPE');
      },
      stop: () => Promise.reject(new Error('gone')),
    };
    r.addOutput(broken, meta);
    r.addOutput(collecting('ok', seen), meta);
    r.event({ at: 1, kind: 'run', message: 'one' });
    r.event({ at: 2, kind: 'run', message: 'two' });
    await r.stopOutputs({ recorded: r } as unknown as RunConclusion);
    expect(r.anomalies.filter((a) => a.code === 'OBSERVER_FAILED')).toHaveLength(1);
    expect(r.observerErrors.length).toBeGreaterThanOrEqual(3);
    expect(r.observerErrors.at(-1)).toContain('broken: Error: gone');
    expect(seen.filter((e) => e.type === 'event')).toHaveLength(2);
  });

  it("lets a required output fail the stop (the report is the run's product)", async () => {
    const r = new Recorder('r1');
    r.addOutput(
      { ...collecting('report', []), required: true, stop: () => Promise.reject(new Error('disk')) },
      meta,
    );
    await expect(r.stopOutputs({ recorded: r } as unknown as RunConclusion)).rejects.toThrow('disk');
  });
});
