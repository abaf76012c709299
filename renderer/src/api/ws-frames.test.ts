import { describe, expect, it } from 'vitest';
import { pulse, sample, tes } from '../run/test-fixtures';
import { parseReply } from './browser-client';
import { parseWsFrame } from './ws-frames';

const frame = (v: unknown) => JSON.stringify(v);

describe('parseWsFrame', () => {
  it('accepts well-formed run and output frames', () => {
    const p = parseWsFrame(frame({ stream: 'run', event: { type: 'pulse', runId: 'r', pulse: pulse(1) } }));
    expect(p?.stream).toBe('run');
    const s = parseWsFrame(
      frame({ stream: 'run', event: { type: 'sample', runId: 'r', sample: sample(1) } }),
    );
    expect(s?.stream).toBe('run');
    const o = parseWsFrame(frame({ stream: 'output', batch: { runId: 'r', targetId: 't', data: 'hi' } }));
    expect(o).toEqual({ stream: 'output', batch: { runId: 'r', targetId: 't', data: 'hi' } });
  });

  it('accepts an end frame with the INCOMPLETE verdict and a sample frame carrying guard progress', () => {
    const run = {
      runId: 'r',
      planId: 'p',
      title: 't',
      startedAt: 1,
      endedAt: 2,
      status: 'ended',
      verdict: 'INCOMPLETE',
      reportPath: null,
    };
    expect(
      parseWsFrame(frame({ stream: 'run', event: { type: 'end', runId: 'r', run, thresholds: [] } })),
    ).not.toBeNull();
    const guard = [{ metric: 'cpu', limitPct: 85, lastPct: 90, overMs: 1000, windowMs: 30_000 }];
    const s = parseWsFrame(
      frame({ stream: 'run', event: { type: 'sample', runId: 'r', sample: sample(1), guard } }),
    );
    expect(s?.stream === 'run' && s.event.type === 'sample' && s.event.guard).toEqual(guard);
  });

  it('accepts the output-dropped notice and refuses a malformed one', () => {
    const notice = { kind: 'output-dropped', frames: 3, chars: 900, runIds: ['r'] };
    expect(parseWsFrame(frame({ stream: 'notice', notice }))).toEqual({ stream: 'notice', notice });
    expect(parseWsFrame(frame({ stream: 'notice', notice: { ...notice, runIds: [1] } }))).toBeNull();
    expect(parseWsFrame(frame({ stream: 'notice', notice: { ...notice, kind: 'reload' } }))).toBeNull();
  });

  it.each([
    ['not text', new ArrayBuffer(4)],
    ['not JSON', '{"stream":'],
    ['a JSON array', '[]'],
    ['an unknown stream', frame({ stream: 'admin', event: {} })],
    ['an unknown event type', frame({ stream: 'run', event: { type: 'eval', runId: 'r' } })],
    ['a prototype key as type', frame({ stream: 'run', event: { type: 'constructor', runId: 'r' } })],
    [
      'a pulse without seq',
      frame({ stream: 'run', event: { type: 'pulse', runId: 'r', pulse: { ...pulse(1), seq: 'x' } } }),
    ],
    [
      'a pulse with an unknown class',
      frame({
        stream: 'run',
        event: { type: 'pulse', runId: 'r', pulse: pulse(1, { latencyClass: 'fine' as never }) },
      }),
    ],
    [
      'a sample with NaN cpu',
      '{"stream":"run","event":{"type":"sample","runId":"r","sample":{"at":1,"host":{"at":1,"cpuPct":"NaN","ramPct":1,"gpuPct":null},"targets":[]}}}',
    ],
    [
      'a pulse without its phase',
      frame({
        stream: 'run',
        event: { type: 'pulse', runId: 'r', pulse: { ...pulse(1), phase: undefined } },
      }),
    ],
    [
      'an anomaly with a code the engine never emits',
      frame({
        stream: 'run',
        event: {
          type: 'anomaly',
          runId: 'r',
          anomaly: { at: 1, code: 'NOT_A_CODE', severity: 'warning', message: 'm' },
        },
      }),
    ],
    [
      'a TES score without its components',
      frame({
        stream: 'run',
        event: { type: 'tes', runId: 'r', tes: [{ ...tes('probe', 99), components: undefined }] },
      }),
    ],
    ['output without data', frame({ stream: 'output', batch: { runId: 'r', targetId: 't' } })],
    [
      'output with an empty target',
      frame({ stream: 'output', batch: { runId: 'r', targetId: '', data: 'x' } }),
    ],
    [
      'an event without runId',
      frame({ stream: 'run', event: { type: 'event', event: { at: 1, kind: 'k', message: 'm' } } }),
    ],
  ])('refuses %s', (_name, data) => {
    expect(parseWsFrame(data)).toBeNull();
  });
});

describe('parseReply', () => {
  it('passes both envelope forms through and keeps issues', () => {
    expect(parseReply({ ok: true, value: [1] }, 200)).toEqual({ ok: true, value: [1] });
    const issues = [{ path: 'targets.0.id', code: 'invalid_string', message: 'bad' }];
    expect(parseReply({ ok: false, error: { code: 'PLAN_INVALID', message: 'no', issues } }, 400)).toEqual({
      ok: false,
      error: { code: 'PLAN_INVALID', message: 'no', issues },
    });
  });

  it('turns anything else into an HTTP_<status> error rather than trusting it', () => {
    const r = parseReply({ hello: 1 }, 502);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('HTTP_502');
    expect(parseReply(null, 401).ok).toBe(false);
  });
});
