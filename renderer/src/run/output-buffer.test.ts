import { describe, expect, it } from 'vitest';
import {
  OUTPUT_CHUNK_CHARS,
  OUTPUT_PANE_MAX_CHARS,
  OutputStore,
  appendChunked,
  tailChunks,
} from './output-buffer';

const empty = { chunks: [], length: 0, dropped: 0, nextId: 0 };
const joined = (p: { chunks: { text: string }[] }) => p.chunks.map((c) => c.text).join('');

describe('appendChunked', () => {
  it('fills the last chunk before starting a new one, keeping its id', () => {
    let p = appendChunked(empty, 'abc', 100, 4);
    p = appendChunked(p, 'defgh', 100, 4);
    expect(p.chunks).toEqual([
      { id: 0, text: 'abcd' },
      { id: 1, text: 'efgh' },
    ]);
    expect(joined(p)).toBe('abcdefgh');
  });

  it('never keeps more than the cap, keeps the newest text and counts what it dropped', () => {
    let p = appendChunked(empty, 'x'.repeat(OUTPUT_PANE_MAX_CHARS), OUTPUT_PANE_MAX_CHARS);
    p = appendChunked(p, 'TAIL', OUTPUT_PANE_MAX_CHARS);
    const text = joined(p);
    expect(text.length).toBeLessThanOrEqual(OUTPUT_PANE_MAX_CHARS);
    expect(text.length).toBeGreaterThan(OUTPUT_PANE_MAX_CHARS - OUTPUT_CHUNK_CHARS);
    expect(text.endsWith('TAIL')).toBe(true);
    expect(p.dropped + text.length).toBe(OUTPUT_PANE_MAX_CHARS + 4);
  });

  it('survives one append far larger than the cap', () => {
    const p = appendChunked(empty, 'y'.repeat(5 * OUTPUT_PANE_MAX_CHARS) + 'END');
    expect(p.length).toBeLessThanOrEqual(OUTPUT_PANE_MAX_CHARS);
    expect(joined(p).endsWith('END')).toBe(true);
  });

  it('does not change the pane it was given', () => {
    const p = appendChunked(empty, 'abc', 100, 4);
    appendChunked(p, 'd', 100, 4);
    expect(joined(p)).toBe('abc');
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

  it('draws what it had when it notified: appends after that wait for the next notify', () => {
    const pending: (() => void)[] = [];
    const store = new OutputStore((cb) => pending.push(cb));
    store.append('a', 'one');
    expect(store.shownChunks('a')).toEqual([]);
    pending.shift()?.();
    const drawn = store.shownChunks('a');
    expect(drawn.map((c) => c.text)).toEqual(['one']);
    store.append('a', ' two');
    expect(store.shownChunks('a')).toBe(drawn);
    expect(store.text('a')).toBe('one two');
    pending.shift()?.();
    expect(store.shownChunks('a').map((c) => c.text)).toEqual(['one two']);
    expect(store.shownTargetIds()).toEqual(['a']);
  });

  it('acks chars that were dropped by the cap too, so the host never stalls', () => {
    const store = new OutputStore(() => {});
    store.append('a', 'x'.repeat(OUTPUT_PANE_MAX_CHARS + 10));
    expect(store.takeUnacked()).toEqual([{ targetId: 'a', chars: OUTPUT_PANE_MAX_CHARS + 10 }]);
    expect(store.text('a').length).toBeLessThanOrEqual(OUTPUT_PANE_MAX_CHARS);
  });

  it('a seed replaces the text and does not count as unacknowledged', () => {
    const store = new OutputStore(() => {});
    store.append('a', 'early');
    store.takeUnacked();
    store.seed([{ targetId: 'a', tail: 'from host' }]);
    expect(store.text('a')).toBe('from host');
    expect(store.takeUnacked()).toEqual([]);
  });
});

describe('tailChunks', () => {
  const chunks = [
    { id: 0, text: 'a'.repeat(10) },
    { id: 1, text: 'b'.repeat(10) },
    { id: 2, text: 'c'.repeat(5) },
  ];
  it('keeps the fewest newest chunks that hold the characters asked for', () => {
    expect(tailChunks(chunks, 5).map((c) => c.id)).toEqual([2]);
    expect(tailChunks(chunks, 6).map((c) => c.id)).toEqual([1, 2]);
    expect(tailChunks(chunks, 15).map((c) => c.id)).toEqual([1, 2]);
  });
  it('keeps everything when there is less than asked for, and the same array when nothing is cut', () => {
    expect(tailChunks(chunks, 100)).toBe(chunks);
    expect(tailChunks([], 100)).toEqual([]);
  });
});
