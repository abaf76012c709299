import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ledger } from './ledger';
import { verifyLedger, verifyLedgerBuffer } from './ledger-read';
import { verifyLedgerStream } from './ledger-fast';

let dir: string;
let big: { path: string; head: string; records: number };

const runIdOf = (line1: Buffer): string | null =>
  (JSON.parse(line1.toString('utf8')) as { data: { runId: string } }).data.runId;

function write(
  name: string,
  records: number,
  dataBytes: number,
): { path: string; head: string; records: number } {
  const p = path.join(dir, name);
  let t = 1_700_000_000_000;
  const l = Ledger.open(p, { runId: `run-${name}`, now: () => t++ });
  for (let i = 0; i < records; i++)
    l.append(i % 2 ? 'sample' : 'pulse', { i, text: `é✓ ${'x'.repeat(dataBytes)}` }, { durable: false });
  l.append('run.end', { verdict: 'PASS' });
  l.close();
  return { path: p, head: l.head(), records: l.count() };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-fast-'));
  // ~10 MB: more than one 8 MiB read, so lines straddle a chunk boundary.
  big = write('big.jsonl', 1000, 10_000);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('streamed ledger verification against a signed head', () => {
  it('confirms a ledger larger than one read, exactly as the thorough pass does', () => {
    const fast = verifyLedgerStream(big.path, { head: big.head, records: big.records }, runIdOf);
    expect(fast).toEqual({ records: big.records, runId: 'run-big.jsonl', head: big.head });
    const slow = verifyLedgerBuffer(fs.readFileSync(big.path), { head: big.head, records: big.records });
    expect(verifyLedger(big.path, { head: big.head, records: big.records })).toEqual(slow);
  });

  it('never confirms a wrong head or count, a torn tail, a changed byte or a hand-written line', () => {
    const small = write('small.jsonl', 5, 10);
    const pins = { head: small.head, records: small.records };
    expect(verifyLedgerStream(small.path, pins, runIdOf)).not.toBeNull();
    expect(verifyLedgerStream(small.path, { ...pins, head: 'a'.repeat(64) }, runIdOf)).toBeNull();
    expect(verifyLedgerStream(small.path, { ...pins, records: pins.records + 1 }, runIdOf)).toBeNull();
    const good = fs.readFileSync(small.path);
    const variants: Buffer[] = [
      Buffer.concat([good, Buffer.from('{"seq":')]),
      Buffer.from(good.toString('utf8').replace('"i":2', '"i":3')),
      Buffer.from(good.toString('utf8').replace('{"seq":3,', '{"seq": 3,')),
      Buffer.from(good.toString('utf8').replace('"type":"sample"', '"type":"sam\\u0070le"')),
    ];
    for (const [k, v] of variants.entries()) {
      const p = path.join(dir, `variant-${k}.jsonl`);
      fs.writeFileSync(p, v);
      expect(verifyLedgerStream(p, pins, runIdOf)).toBeNull();
      // The caller then names the problem exactly as the thorough pass does.
      expect(verifyLedger(p, pins)).toEqual(verifyLedgerBuffer(v, pins));
    }
    expect(verifyLedgerStream(path.join(dir, 'missing.jsonl'), pins, runIdOf)).toBeNull();
  });
});
