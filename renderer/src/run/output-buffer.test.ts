import { describe, expect, it } from 'vitest';
import { OUTPUT_PANE_MAX_CHARS, OutputStore, appendCapped } from './output-buffer';

describe('appendCapped', () => {
  it('appends under the cap', () => {
    expect(appendCapped('ab', 'cd', 10)).toEqual({ text: 'abcd', dropped: 0 });
  });

  it('never keeps more than the cap and keeps the newest text', () => {
    const r = appendCapped('x'.repeat(OUTPUT_PANE_MAX_CHARS), 'TAIL');
    expect(r.text.length).toBeLessThanOrEqual(OUTPUT_PANE_MAX_CHARS);
    expect(r.text.endsWith('TAIL')).toBe(true);
  });

  it('cuts at the next line break when one is near', () => {
    const r = appendCapped('line1\nline2\n', 'line3\n', 14);
    expect(r.text).toBe('line2\nline3\n');
  });
});

describe('OutputStore', () => {
  it('coalesces many appends into one notification and counts unacknowledged chars per target', () => {
    const pending: (() => void)[] = [];
    const store = new OutputStore((cb) => pending.push(cb));
    let notified = 0;
    store.subscribe(() => notified++);
    store.append('a', 'hello');
    store.append('a', ' world');
    store.append('b', 'xyz');
    expect(pending).toHaveLength(1);
    pending[0]?.();
    expect(notified).toBe(1);
    expect(store.text('a')).toBe('hello world');
    expect(store.takeUnacked()).toEqual([
      { targetId: 'a', chars: 11 },
      { targetId: 'b', chars: 3 },
    ]);
    expect(store.takeUnacked()).toEqual([]);
  });

  it('acks chars that were dropped by the cap too, so the host never stalls', () => {
    const store = new OutputStore(() => {});
    store.append('a', 'x'.repeat(OUTPUT_PANE_MAX_CHARS + 10));
    expect(store.takeUnacked()).toEqual([{ targetId: 'a', chars: OUTPUT_PANE_MAX_CHARS + 10 }]);
    expect(store.text('a').length).toBe(OUTPUT_PANE_MAX_CHARS);
  });
});
