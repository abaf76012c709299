import { describe, expect, it } from 'vitest';
import { FromHostFrame, LineSplitter, ToHostFrame, decodeFrame, encodeFitted } from './wire';

describe('engine host wire', () => {
  it('splits frames across chunks and drops an oversize one without losing the next', () => {
    const lines: string[] = [];
    const oversize: number[] = [];
    const s = new LineSplitter(
      (l) => lines.push(l),
      (n) => oversize.push(n),
      10,
    );
    s.push('{"a"');
    s.push(':1}\n\n{"b":2}\nxxxxxxxx');
    s.push('xxxxxxxxxx');
    s.push('xxx\n{"c":3}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(oversize).toHaveLength(1);
  });

  it('names what is wrong with a bad frame, and its invoke id when one can be read', () => {
    expect(decodeFrame(ToHostFrame, 'nope')).toMatchObject({ ok: false, code: 'HOST_FRAME_INVALID' });
    const bad = decodeFrame(ToHostFrame, '{"t":"invoke","id":4,"channel":1,"confirm":"dialog"}');
    expect(bad).toMatchObject({ ok: false, code: 'HOST_FRAME_INVALID', id: 4 });
    expect(decodeFrame(ToHostFrame, '{"t":"invoke","id":4,"channel":"runs.list","confirm":"maybe"}').ok).toBe(
      false,
    );
    expect(decodeFrame(ToHostFrame, '{"t":"halt-all","id":1,"extra":true}').ok).toBe(false);
    expect(decodeFrame(FromHostFrame, '{"t":"reply","id":1,"reply":{"ok":true,"value":[]}}')).toMatchObject({
      ok: true,
    });
    expect(decodeFrame(FromHostFrame, '{"t":"reply","id":-1,"reply":{"ok":true}}').ok).toBe(false);
  });

  it('parses run events with the model schemas: a malformed one is refused, not relayed', () => {
    const frame = (event: unknown) => JSON.stringify({ t: 'run-event', event });
    const good = { type: 'event', runId: 'r', event: { at: 1, kind: 'k', message: 'm' } };
    expect(decodeFrame(FromHostFrame, frame(good))).toMatchObject({ ok: true });
    const anomaly = { at: 1, code: 'NOT_A_CODE', severity: 'warning', message: 'm' };
    expect(decodeFrame(FromHostFrame, frame({ type: 'anomaly', runId: 'r', anomaly })).ok).toBe(false);
    expect(decodeFrame(FromHostFrame, frame({ type: 'pulse', runId: 'r', pulse: { seq: 1 } })).ok).toBe(
      false,
    );
  });

  // Seen in the console bench: runs.state of a run with 10,000 pulses was longer than the pipe
  // carries, the parent dropped the line, and the console's call never got an answer.
  it('answers a reply too long for the pipe with HOST_FRAME_TOO_LARGE instead of dropping it', () => {
    const big = { t: 'reply' as const, id: 7, reply: { ok: true as const, value: 'x'.repeat(500) } };
    const fitted = encodeFitted(big, 200);
    expect(fitted.tooLarge).toMatch(/reply frame of \d+ characters, over the 200/);
    const back = JSON.parse(fitted.line!) as { id: number; reply: { ok: boolean; error: { code: string } } };
    expect(back).toMatchObject({ id: 7, reply: { ok: false, error: { code: 'HOST_FRAME_TOO_LARGE' } } });
    expect(FromHostFrame.safeParse(back).success).toBe(true);
    // Anything else too long is not written at all; a frame that fits is written as it is.
    expect(
      encodeFitted({ t: 'log', level: 'warn', code: 'X', message: 'y'.repeat(500) }, 200).line,
    ).toBeNull();
    expect(encodeFitted({ t: 'reply', id: 1, reply: { ok: true, value: 1 } }, 200).tooLarge).toBeUndefined();
  });
});
