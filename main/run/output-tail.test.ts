import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail';

describe('OutputTail', () => {
  it('keeps exactly the last N characters of whatever was pushed, however it was batched', () => {
    const t = new OutputTail(10);
    let all = '';
    for (const part of ['abc', '', 'defghij', 'k', 'lmnopqrstuvwxyz0123', '4', '56']) {
      t.push(part);
      all += part;
      expect(t.text).toBe(all.slice(-10));
    }
  });

  it('holds only the batches that cover the limit, not the whole stream', () => {
    const t = new OutputTail(100);
    for (let i = 0; i < 10_000; i++) t.push('x'.repeat(30));
    const held = (t as unknown as { parts: string[] }).parts;
    expect(held.length).toBeLessThanOrEqual(5);
    expect(t.text).toBe('x'.repeat(100));
  });
});
