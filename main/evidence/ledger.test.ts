import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Ledger, genesisHash } from './ledger';
import { canonicalJson } from '../util/canonical-json';
import { findInterruptedLedgers } from './ledger-interrupted';
import { readLedger, verifyLedger, verifyLedgerBuffer } from './ledger-read';
import { openLedgerFile, type LedgerFile } from './ledger-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const lineOf = (buf: Buffer, pos: number): number =>
  buf.subarray(0, pos).filter((b) => b === 0x0a).length + 1;

function sampleLedger(path: string): Ledger {
  let t = 1_700_000_000_000;
  const l = Ledger.open(path, { runId: 'run-42', now: () => t++ });
  l.append('probe.start', { plan: 'p1', targets: ['a', 'b'], z: 1, a: { y: null, x: 'é✓' } });
  l.append('pulse', { seq: 1, status: 'GREEN', latencyMs: 12.5 }, { durable: true });
  l.append('note', 'a "quoted" string\nwith a newline');
  l.append('run.end', { verdict: 'PASS' });
  return l;
}

describe('Ledger writing and reading', () => {
  it('round-trips records, chains each line to the previous and pins the head', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = sampleLedger(path);
    l.close();
    const buf = readFileSync(path);
    const lines = buf.toString('utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(
      `{"seq":1,"at":1700000000000,"type":"ledger.open","prev":"${genesisHash('run-42')}","data":{"runId":"run-42","version":1}}`,
    );
    expect(lines[1]).toContain(`"prev":"${sha256(lines[0]!)}"`);
    expect(lines[1]).toContain('"data":{"a":{"x":"é✓","y":null},"plan":"p1","targets":["a","b"],"z":1}');
    expect(l.head()).toBe(sha256(lines[4]!));
    expect(l.count()).toBe(5);

    const read = readLedger(path);
    expect(read.torn).toBeNull();
    expect(read.problems).toEqual([]);
    expect(read.records.map((r) => r.type)).toEqual([
      'ledger.open',
      'probe.start',
      'pulse',
      'note',
      'run.end',
    ]);
    expect(read.records[3]!.data).toBe('a "quoted" string\nwith a newline');
    expect(verifyLedger(path, { head: l.head(), records: 5 })).toMatchObject({
      ok: true,
      firstBad: null,
      records: 5,
    });
  });

  it('append returns the record as a reader will see it', () => {
    const l = Ledger.open(join(dir, 'l.jsonl'), { runId: 'r' });
    const rec = l.append('x', { keep: 1, drop: undefined, when: new Date(0) });
    expect(rec).toMatchObject({ seq: 2, type: 'x', data: { keep: 1, when: '1970-01-01T00:00:00.000Z' } });
    l.close();
    expect(readLedger(join(dir, 'l.jsonl')).records[1]).toEqual(rec);
  });

  it('refuses to reopen an existing ledger file', () => {
    const path = join(dir, 'ledger.jsonl');
    Ledger.open(path, { runId: 'r' }).close();
    expect(() => Ledger.open(path, { runId: 'r' })).toThrow(
      expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }),
    );
    expect(verifyLedger(path).ok).toBe(true);
  });

  it('rejects unserialisable data before writing a byte, and stays usable', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = Ledger.open(path, { runId: 'r' });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => l.append('bad', loop)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => l.append('bad', { n: 1n })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    l.append('good', 1);
    l.close();
    expect(verifyLedger(path, { head: l.head(), records: 2 }).ok).toBe(true);
  });

  it('canonicalJson sorts keys at every depth and matches JSON.parse round trips', () => {
    const v = { b: [3, { d: 1, c: 2 }], a: 'x', '10': true, '2': false, n: -0, inf: Infinity };
    expect(canonicalJson(v)).toBe('{"10":true,"2":false,"a":"x","b":[3,{"c":2,"d":1}],"inf":null,"n":0}');
    expect(canonicalJson(JSON.parse(canonicalJson(v)))).toBe(canonicalJson(v));
  });
});

describe('Ledger data round trip', () => {
  it('any JSON value (unicode, lone surrogates, deep nesting) reads back equal and verifies', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1 }), fc.jsonValue()), { maxLength: 8 }),
        (items) => {
          const path = join(dir, `prop-${n++}.jsonl`);
          const l = Ledger.open(path, { runId: `run-${n}` });
          const written = items.map(([type, data]) => l.append(type, data));
          l.close();
          const read = readLedger(path);
          expect(read.problems).toEqual([]);
          expect(read.records.slice(1)).toEqual(written);
          expect(read.records.slice(1).map((r) => canonicalJson(r.data))).toEqual(
            items.map(([, d]) => canonicalJson(d)),
          );
          expect(verifyLedger(path, { head: l.head(), records: l.count() }).ok).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('verifyLedger', () => {
  it('detects a single flipped byte anywhere, naming the line that holds it', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = sampleLedger(path);
    l.close();
    const good = readFileSync(path);
    const expectHead = { head: l.head(), records: l.count() };
    for (const mask of [0x01, 0x20, 0x40, 0x80]) {
      for (let pos = 0; pos < good.length; pos++) {
        const bad = Buffer.from(good);
        bad[pos]! ^= mask;
        const v = verifyLedgerBuffer(bad, expectHead);
        expect(v.ok, `mask ${mask} at byte ${pos}`).toBe(false);
        expect(v.firstBad, `mask ${mask} at byte ${pos}: ${v.detail}`).toBe(lineOf(good, pos));
      }
    }
  });

  it('without an expected head, blames the changed line before an unpinned last line', () => {
    const path = join(dir, 'ledger.jsonl');
    sampleLedger(path).close();
    const good = readFileSync(path);
    const line4 = good.toString('utf8').split('\n').slice(0, 3).join('\n').length + 1;
    const dataAt = good.indexOf('"data":', line4) + 9;
    const bad = Buffer.from(good);
    bad[dataAt]! ^= 0x01;
    expect(verifyLedgerBuffer(bad)).toMatchObject({ ok: false, firstBad: 4, goodLines: 3 });
  });

  it('reads the same from a file as from a buffer, and reports a missing file without throwing', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = sampleLedger(path);
    l.close();
    const bytes = readFileSync(path);
    bytes[200]! ^= 1;
    writeFileSync(path, bytes);
    expect(verifyLedger(path, { head: l.head(), records: 5 })).toEqual(
      verifyLedgerBuffer(bytes, { head: l.head(), records: 5 }),
    );
    expect(verifyLedger(join(dir, 'nope.jsonl'))).toMatchObject({ ok: false, code: 'LEDGER_NOT_FOUND' });
    expect(() => readLedger(join(dir, 'nope.jsonl'))).toThrow(
      expect.objectContaining({ code: 'LEDGER_NOT_FOUND' }),
    );
  });

  it('detects a torn tail, reports it and keeps every complete line', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = sampleLedger(path);
    l.close();
    const full = readFileSync(path);
    truncateSync(path, full.length - 10);
    const read = readLedger(path);
    expect(read.records).toHaveLength(4);
    expect(read.torn).toMatchObject({ bytes: full.length - 10 - full.subarray(0, -1).lastIndexOf(0x0a) - 1 });
    expect(read.problems).toEqual([expect.objectContaining({ line: 5, code: 'LEDGER_TORN' })]);
    const v = verifyLedger(path);
    expect(v).toMatchObject({ ok: false, firstBad: 5, code: 'LEDGER_TORN', goodLines: 4 });
  });

  it('detects removed, added and reordered lines, and a ledger moved to another run', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = sampleLedger(path);
    l.close();
    const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    const check = (ls: string[], e = { head: l.head(), records: 5 }): ReturnType<typeof verifyLedgerBuffer> =>
      verifyLedgerBuffer(Buffer.from(ls.map((x) => `${x}\n`).join('')), e);
    expect(check(lines.slice(0, 4))).toMatchObject({ ok: false, firstBad: 5 });
    expect(check([...lines, lines[4]!])).toMatchObject({ ok: false, firstBad: 6 });
    expect(check([lines[0]!, lines[2]!, lines[1]!, lines[3]!, lines[4]!])).toMatchObject({
      ok: false,
      firstBad: 2,
    });
    expect(check([lines[0]!, ...lines.slice(2)])).toMatchObject({ ok: false, firstBad: 2 });
    const other = lines[0]!.replace('"runId":"run-42"', '"runId":"run-43"');
    expect(check([other, ...lines.slice(1)])).toMatchObject({
      ok: false,
      firstBad: 1,
      code: 'LEDGER_CHAIN_BROKEN',
    });
    expect(check([])).toMatchObject({ ok: false });
  });

  it('rejects a line re-serialised in another form even where no later hash pins it', () => {
    const path = join(dir, 'ledger.jsonl');
    sampleLedger(path).close();
    const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    const reordered = JSON.stringify(JSON.parse(lines[4]!), null, 0).replace('{"seq":5,', '{ "seq":5,');
    const v = verifyLedgerBuffer(
      Buffer.from([...lines.slice(0, 4), reordered].map((x) => `${x}\n`).join('')),
    );
    expect(v).toMatchObject({ ok: false, firstBad: 5, code: 'LEDGER_PARSE' });
    expect(v.detail).toContain('canonical');
  });
});

/** A real ledger file with faults injected through the seam. */
function faultyFile(
  path: string,
  fault: { shortWrites?: boolean; failWriteAt?: number; failSync?: boolean; zeroWrite?: boolean },
): LedgerFile {
  const real = openLedgerFile(path);
  let writes = 0;
  return {
    write: (buf) => {
      writes++;
      if (fault.failWriteAt !== undefined && writes >= fault.failWriteAt) {
        // Disk fills mid-line: part of the buffer lands, then ENOSPC.
        if (writes === fault.failWriteAt) real.write(buf.subarray(0, Math.min(7, buf.length)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      if (fault.zeroWrite && writes > 1) return 0;
      return real.write(fault.shortWrites ? buf.subarray(0, 3) : buf);
    },
    sync: () => {
      if (fault.failSync) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      real.sync();
    },
    close: () => real.close(),
  };
}

describe('Ledger under file faults', () => {
  it('loops over short writes until every line is whole', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = Ledger.open(path, { runId: 'r', fileFactory: (p) => faultyFile(p, { shortWrites: true }) });
    for (let i = 0; i < 20; i++) l.append('tick', { i, pad: 'x'.repeat(i * 13) });
    l.close();
    expect(verifyLedger(path, { head: l.head(), records: 21 })).toMatchObject({ ok: true });
  });

  it('a write that fails mid-line throws LEDGER_WRITE_FAILED, marks the ledger failed and leaves a visible torn tail', () => {
    const path = join(dir, 'ledger.jsonl');
    const l = Ledger.open(path, { runId: 'r', fileFactory: (p) => faultyFile(p, { failWriteAt: 4 }) });
    l.append('a', 1);
    l.append('b', 2);
    expect(() => l.append('c', 3)).toThrow(
      expect.objectContaining({ code: 'LEDGER_WRITE_FAILED', message: expect.stringContaining('ENOSPC') }),
    );
    expect(l.failed?.code).toBe('LEDGER_WRITE_FAILED');
    expect(l.count()).toBe(3);
    expect(() => l.append('d', 4)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    expect(() => l.flush()).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    l.close();
    const read = readLedger(path);
    expect(read.records).toHaveLength(3);
    expect(read.torn?.bytes).toBe(7);
    expect(verifyLedger(path)).toMatchObject({ ok: false, firstBad: 4, code: 'LEDGER_TORN', goodLines: 3 });
  });

  it('a write that makes no progress fails instead of spinning', () => {
    const l = Ledger.open(join(dir, 'l.jsonl'), {
      runId: 'r',
      fileFactory: (p) => faultyFile(p, { zeroWrite: true }),
    });
    expect(() => l.append('a', 1)).toThrow(
      expect.objectContaining({
        code: 'LEDGER_WRITE_FAILED',
        message: expect.stringContaining('no progress'),
      }),
    );
    expect(() => l.append('b', 1)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
  });

  it('a failing fdatasync fails open, durable appends and flush', () => {
    expect(() =>
      Ledger.open(join(dir, 'a.jsonl'), {
        runId: 'r',
        fileFactory: (p) => faultyFile(p, { failSync: true }),
      }),
    ).toThrow(
      expect.objectContaining({ code: 'LEDGER_WRITE_FAILED', message: expect.stringContaining('EIO') }),
    );
    let syncOk = true;
    const l = Ledger.open(join(dir, 'b.jsonl'), {
      runId: 'r',
      fileFactory: (p) => {
        const f = openLedgerFile(p);
        return {
          ...f,
          sync: () => {
            if (!syncOk) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
            f.sync();
          },
        };
      },
    });
    l.append('fast', 1);
    syncOk = false;
    expect(() => l.append('slow', 2, { durable: true })).toThrow(
      expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }),
    );
    expect(() => l.append('after', 3)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    expect(l.count()).toBe(3);
  });

  it('fdatasyncs only when something was written since the last sync', () => {
    let syncs = 0;
    const l = Ledger.open(join(dir, 'l.jsonl'), {
      runId: 'r',
      fileFactory: (p) => {
        const f = openLedgerFile(p);
        return { ...f, sync: () => (syncs++, f.sync()) };
      },
    });
    expect(syncs).toBe(1);
    l.flush();
    expect(syncs).toBe(1);
    l.append('a', 1);
    l.flush();
    l.flush();
    expect(syncs).toBe(2);
    l.append('b', 2, { durable: true });
    l.close();
    expect(syncs).toBe(3);
  });

  it('appending after close throws', () => {
    const l = Ledger.open(join(dir, 'l.jsonl'), { runId: 'r' });
    l.close();
    l.close();
    expect(() => l.append('x', 1)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
  });
});

describe('Ledger under kill -9', () => {
  it('a writer killed mid-run leaves a ledger whose complete lines all verify', async () => {
    const mod = fileURLToPath(new URL('./ledger.ts', import.meta.url));
    const path = join(dir, 'ledger.jsonl');
    const script = join(dir, 'writer.ts');
    writeFileSync(
      script,
      [
        `import { Ledger } from ${JSON.stringify(mod)};`,
        `const l = Ledger.open(${JSON.stringify(path)}, { runId: 'killed' });`,
        `let i = 0;`,
        `for (;;) {`,
        `  l.append('tick', { i, pad: 'p'.repeat(i % 5000) });`,
        `  if (++i === 200) process.stdout.write('ready\\n');`,
        `}`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res());
      child.on('exit', () => rej(new Error('writer exited before it was ready')));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const read = readLedger(path);
    expect(read.records.length).toBeGreaterThanOrEqual(201);
    expect(read.problems.filter((p) => p.code !== 'LEDGER_TORN')).toEqual([]);
    // Whatever the kill left, every complete line verifies; a torn tail, if any, is reported.
    const v = verifyLedger(path);
    expect(v.goodLines).toBe(read.records.length);
    if (read.torn) expect(v).toMatchObject({ code: 'LEDGER_TORN', firstBad: read.records.length + 1 });
    else expect(v.ok).toBe(true);
    const found = findInterruptedLedgers(dir);
    expect(found).toEqual([
      expect.objectContaining({
        path,
        runId: 'killed',
        lastGoodSeq: read.records.length,
        records: read.records.length,
        torn: read.torn,
      }),
    ]);
  });
});

describe('findInterruptedLedgers', () => {
  it('finds ledgers without run.end or with a torn tail, up to three folders deep', () => {
    const make = (rel: string, runId: string, end: boolean, tear = false): string => {
      const p = join(dir, rel, 'ledger.jsonl');
      mkdirSync(join(dir, rel), { recursive: true });
      const l = Ledger.open(p, { runId });
      l.append('probe.start', {});
      if (end) l.append('run.end', { verdict: 'PASS' });
      l.close();
      if (tear) appendFileSync(p, '{"seq":');
      return p;
    };
    make('runs/done', 'done', true);
    const open = make('runs/open', 'open', false);
    const torn = make('runs/2026/torn', 'torn', true, true);
    make('a/b/c/d', 'too-deep', false);
    const found = findInterruptedLedgers(dir);
    expect(found.map((f) => f.path).sort()).toEqual([open, torn].sort());
    const t = found.find((f) => f.path === torn)!;
    expect(t).toMatchObject({
      runId: 'torn',
      lastGoodSeq: 3,
      records: 3,
      torn: { bytes: 7, text: '{"seq":' },
    });
    expect(t.lastGoodHead).toBe(sha256(readFileSync(torn, 'utf8').split('\n')[2]!));
    expect(found.find((f) => f.path === open)).toMatchObject({ runId: 'open', lastGoodSeq: 2, torn: null });
  });
});
