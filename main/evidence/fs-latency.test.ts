import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsLatencyProbe } from './fs-latency';
import { computeBurstCoverage } from './coverage';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fs-latency-'));

describe('file I/O timing', () => {
  it('times a write + fdatasync and a folder read, leaving no file behind', async () => {
    const w = dir();
    const gov = dir();
    fs.writeFileSync(path.join(gov, 'POLICY'), 'x'.repeat(1000));
    const f = await new FsLatencyProbe({ warnMs: 200, critMs: 1000, deadlineMs: 5000 }).measure([
      { label: 'run folder', dir: w, op: 'write' },
      { label: 'governance', dir: gov, op: 'read' },
    ]);
    expect(f.entries.map((e) => [e.label, e.op, e.timedOut, typeof e.ms])).toEqual([
      ['run folder', 'write', false, 'number'],
      ['governance', 'read', false, 'number'],
    ]);
    expect(f.maxMs).toBe(Math.max(...f.entries.map((e) => e.ms ?? 0)));
    expect(fs.readdirSync(w)).toEqual([]);
  });

  it('names a folder it cannot write to as failed, not as fast', async () => {
    const f = await new FsLatencyProbe({ warnMs: 200, critMs: 1000, deadlineMs: 5000 }).measure([
      { label: 'gone', dir: path.join(dir(), 'missing'), op: 'write' },
    ]);
    expect(f.entries[0]).toMatchObject({ ms: null, timedOut: false });
    expect(f.entries[0]?.error).toMatch(/ENOENT/);
  });

  it('classes the slowest operation against the thresholds (a 0 ms warning line: always warning)', async () => {
    const f = await new FsLatencyProbe({ warnMs: 0.001, critMs: 1e9, deadlineMs: 5000 }).measure([
      { label: 'run folder', dir: dir(), op: 'write' },
    ]);
    expect(f.class).toBe('warning');
  });
});

describe('snapshot coverage during bursts', () => {
  const w = (from: number) => ({ from, to: from + 10_000 });

  it('counts each burst begun before the stop as a slot, present with a snapshot inside it', () => {
    const c = computeBurstCoverage([2_010, 182_050, 500_000], [w(2000), w(182_000), w(362_000)], 400_000);
    expect(c).toMatchObject({ expected: 3, present: 2, pct: 66.7 });
    expect(c.missing).toEqual([{ from: 362_000, to: 372_000, gapMs: 10_000, missingSlots: 1 }]);
  });

  it('expects nothing after the stop', () => {
    const c = computeBurstCoverage([2_010], [w(2000), w(182_000)], 120_000);
    expect(c).toMatchObject({ expected: 1, present: 1, pct: 100, missing: [] });
  });
});
