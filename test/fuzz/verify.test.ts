/**
 * Files given to verify: malformed ledgers and report JSON. verify never throws; every malformed
 * file is refused with its code; and any change to a signed-off ledger (a flipped, cut, inserted
 * or swapped byte or line) is found, with the first untrustworthy line named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ledger } from '../../main/evidence/ledger';
import { verifyLedger, verifyLedgerBuffer } from '../../main/evidence/ledger-read';
import { verifyReport } from '../../main/reports/verify';
import { corpusFiles, runs } from './fuzz-config';

let dir: string;
let good: Buffer;
let pins: { head: string; records: number };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-fuzz-'));
  let t = 1_700_000_000_000;
  const p = path.join(dir, 'good.jsonl');
  const l = Ledger.open(p, { runId: 'fuzz-run', now: () => t++ });
  for (let i = 0; i < 12; i++)
    l.append(i % 3 ? 'sample' : 'pulse', { i, status: i % 2 ? 'GREEN' : 'AMBER', text: `é✓ line ${i}` });
  l.append('run.end', { verdict: 'PASS' });
  l.close();
  pins = { head: l.head(), records: l.count() };
  good = fs.readFileSync(p);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const LEDGER_CODES = ['LEDGER_PARSE', 'LEDGER_TORN', 'LEDGER_CHAIN_BROKEN', 'LEDGER_NOT_FOUND'];

describe('verify: malformed corpus', () => {
  for (const file of corpusFiles('ledgers')) {
    it(`ledger ${path.basename(file)} is refused with a LEDGER_* code`, () => {
      const v = verifyLedger(file);
      expect(v.ok).toBe(false);
      expect(LEDGER_CODES).toContain(v.code);
    });
  }
  for (const file of corpusFiles('reports')) {
    it(`report ${path.basename(file)} is refused with a code, never a throw`, () => {
      const d = fs.mkdtempSync(path.join(dir, 'r-'));
      fs.copyFileSync(file, path.join(d, 'report.json'));
      fs.writeFileSync(path.join(d, 'report.md'), '# report\n');
      const r = verifyReport(path.join(d, 'report.json'));
      expect(r.ok).toBe(false);
      expect([
        'REPORT_PARSE',
        'REPORT_NOT_FOUND',
        'LEDGER_NOT_FOUND',
        'LEDGER_PARSE',
        'LEDGER_TORN',
        'LEDGER_CHAIN_BROKEN',
      ]).toContain(r.ledger.code);
      expect(r.code).not.toBe('VERIFIED');
      for (const s of r.signatures)
        expect(['SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'SIGNATURE_PARSE', 'REPORT_NOT_FOUND']).toContain(
          s.code,
        );
    });
  }
  // BUG (main/reports/verify.ts checkLedger): only an absolute ledger.file is refused; a relative
  // one that climbs out (`../../../../etc/passwd`) is read, and its first bytes are echoed in the
  // detail ("Unexpected token 'r', \"root:x:0:0\"..."). Expected: REPORT_PARSE, nothing outside the
  // report folder read. Marked `fails` until fixed.
  it('a report whose ledger.file climbs out of its folder is REPORT_PARSE and echoes nothing of the file', () => {
    const d = fs.mkdtempSync(path.join(dir, 'trav-'));
    fs.writeFileSync(
      path.join(d, 'report.json'),
      JSON.stringify({
        ledger: { file: '../../../../../../../../etc/passwd', records: 1, head: 'a'.repeat(64) },
        signer: { openssh: 'k' },
      }),
    );
    const r = verifyReport(path.join(d, 'report.json'));
    expect(r.ledger.code).toBe('REPORT_PARSE');
    expect(r.ledger.detail).not.toContain('root:');
  });

  it('a report nested 100,000 deep (built in memory) is REPORT_PARSE', () => {
    const d = fs.mkdtempSync(path.join(dir, 'deep-'));
    fs.writeFileSync(path.join(d, 'report.json'), `{"ledger":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(verifyReport(path.join(d, 'report.json')).ledger.code).toBe('REPORT_PARSE');
  });
  it('the untouched ledger verifies against its pins (the mutations below start from it)', () => {
    expect(verifyLedgerBuffer(good, pins).ok).toBe(true);
  });
});

describe('verify: fast-check mutations of a pinned ledger', () => {
  const check = (mutated: Buffer) => {
    const v = verifyLedgerBuffer(mutated, pins);
    if (mutated.equals(good)) return expect(v.ok).toBe(true);
    expect(v.ok).toBe(false);
    expect(LEDGER_CODES).toContain(v.code);
    expect(v.goodLines).toBeLessThanOrEqual(pins.records);
    // The intact prefix it reports really is byte-identical to the original's first lines.
    const prefixEnd = v.goodLines === 0 ? 0 : nthNewline(good, v.goodLines) + 1;
    expect(mutated.subarray(0, prefixEnd).equals(good.subarray(0, prefixEnd))).toBe(true);
  };

  it('one byte changed anywhere', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const m = Buffer.from(good);
        m[at] = (m[at] ?? 0) ^ x;
        check(m);
      }),
      runs(400),
    );
  });

  it('cut at any byte, or bytes inserted anywhere', () => {
    fc.assert(
      fc.property(fc.nat(good.length), fc.uint8Array({ maxLength: 40 }), (at, ins) => {
        check(good.subarray(0, at));
        check(Buffer.concat([good.subarray(0, at), Buffer.from(ins), good.subarray(at)]));
      }),
      runs(300),
    );
  });

  it('whole lines dropped, duplicated or swapped', () => {
    const lines = good.toString('utf8').split('\n').slice(0, -1);
    fc.assert(
      fc.property(
        fc.nat(lines.length - 1),
        fc.nat(lines.length - 1),
        fc.constantFrom('drop', 'dup', 'swap'),
        (a, b, op) => {
          const l = [...lines];
          if (op === 'drop') l.splice(a, 1);
          if (op === 'dup') l.splice(a, 0, l[b] ?? '');
          if (op === 'swap') [l[a], l[b]] = [l[b] ?? '', l[a] ?? ''];
          check(Buffer.from(l.map((x) => `${x}\n`).join('')));
        },
      ),
      runs(200),
    );
  });
});

function nthNewline(buf: Buffer, n: number): number {
  let at = -1;
  for (let k = 0; k < n; k++) at = buf.indexOf(0x0a, at + 1);
  return at;
}
