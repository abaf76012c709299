import { describe, expect, it } from 'vitest';
import { chunkHeads, hideProtocolLines } from './protocol-lines';

const HB = '@lab {"type":"heartbeat","seq":3}';

/** Filters chunks the way a pane does: each with the head its predecessors leave. */
function filterChunks(chunks: string[]): string {
  const heads = chunkHeads(chunks);
  return chunks.map((c, i) => hideProtocolLines(c, heads[i]!).text).join('');
}

describe('hideProtocolLines', () => {
  it('drops @lab lines and keeps the agent text', () => {
    expect(filterChunks([`build ok\r\n${HB}\r\nwrote 3 files\r\n`])).toBe('build ok\r\nwrote 3 files\r\n');
  });

  it('drops a protocol line split across chunks, at any cut', () => {
    const text = `one\n${HB}\ntwo\n${HB}\n`;
    for (let cut = 1; cut < text.length; cut++)
      expect(filterChunks([text.slice(0, cut), text.slice(cut)]), `cut ${cut}`).toBe('one\ntwo\n');
  });

  it('keeps a text line that merely mentions @lab', () => {
    expect(filterChunks([`see @lab docs\n`])).toBe('see @lab docs\n');
  });
});
