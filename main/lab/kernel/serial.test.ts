import { describe, expect, it } from 'vitest';
import { CURSOR_QUERY, SerialParser, parseHeartbeat, type Heartbeat, type SerialLine } from './serial';

function parser() {
  let now = 0;
  const p = new SerialParser({ readyPattern: 'LAB-KERNEL-READY', promptPattern: '# $', now: () => ++now });
  const lines: SerialLine[] = [];
  const beats: Heartbeat[] = [];
  const prompts: number[] = [];
  let queries = 0;
  p.onDidLine((l) => lines.push(l));
  p.onDidHeartbeat((h) => beats.push(h));
  p.onDidPrompt((n) => prompts.push(n));
  p.onDidCursorQuery((n) => (queries += n));
  return { p, lines, beats, prompts, queries: () => queries };
}

describe('SerialParser', () => {
  it('splits lines on \\r*\\n as node-pty delivers them, across chunk boundaries', () => {
    const { p, lines } = parser();
    p.feed('one\r\r\ntw');
    p.feed('o\r\nthree\n');
    expect(lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
  });

  it('cuts a heartbeat out of a line it landed in, and still sees the prompt before it', () => {
    const { p, lines, beats, prompts } = parser();
    p.feed('LAB-E3 0\r\r\n# \x1b[6nLAB-HB seq=7 up=8.02 memavail_kb=197000 load1=0.01\r\r\n');
    expect(beats).toHaveLength(1);
    expect(beats[0]).toMatchObject({ seq: 7, uptimeSec: 8.02, memAvailableKb: 197000, load1: 0.01 });
    expect(prompts).toEqual([1]);
    expect(lines.map((l) => l.text)).toEqual(['LAB-E3 0', '# ']);
  });

  it('fires the prompt once per line however many chunks extend it', () => {
    const { p, prompts } = parser();
    p.feed('# ');
    p.feed(CURSOR_QUERY);
    p.feed('LAB-HB seq=1 up=1.00 memavail_kb=1 load1=0.00\r\n');
    expect(prompts).toEqual([1]);
    p.feed('echo hi\r\nhi\r\n# ');
    expect(prompts).toEqual([1, 2]);
  });

  it('counts cursor queries, including one split across two chunks', () => {
    const { p, queries } = parser();
    p.feed('# \x1b[6');
    p.feed('n');
    p.feed(`x${CURSOR_QUERY}${CURSOR_QUERY}`);
    expect(queries()).toBe(3);
  });

  it('records the ready marker and the device line', () => {
    const { p } = parser();
    p.feed(
      'LAB-DEV disk=vda nic=none\r\nLAB-KERNEL-READY kernel=6.1.0-56-cloud-amd64 memtotal_kb=223620\r\n',
    );
    expect(p.ready).toMatchObject({ kernelRelease: '6.1.0-56-cloud-amd64', memTotalKb: 223620 });
    expect(p.devices).toEqual({ disk: 'vda', nic: null });
  });

  it('rejects heartbeat lines that do not match the format', () => {
    expect(parseHeartbeat('LAB-HB seq=x up=1 memavail_kb=2 load1=0', 0)).toBeNull();
    expect(parseHeartbeat('LAB-HB seq=1 up=1 memavail_kb=2 load1=0', 5)).toEqual({
      seq: 1,
      uptimeSec: 1,
      memAvailableKb: 2,
      load1: 0,
      at: 5,
    });
  });
});
