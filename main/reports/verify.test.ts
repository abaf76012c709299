import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileSync, symlinkSync } from 'node:fs';
import { Ledger } from '../evidence/ledger';
import {
  REPORT_NAMESPACE,
  SIGNER_IDENTITY,
  keyFingerprint,
  loadOrCreateSigningKey,
  writeAllowedSigners,
  type SigningKey,
} from './keys';
import { bindingLine } from './markdown';
import { signSshsig } from './sshsig';
import { verifyReport } from './verify';

let root: string;
let reportDir: string;
let key: SigningKey;
let md: string;
let json: string;
let ledgerPath: string;
const savedHome = process.env.PROBE_LAB_HOME;

const signFile = (path: string, k: SigningKey = key): void =>
  writeFileSync(`${path}.sig`, signSshsig(readFileSync(path), k.privateKey, REPORT_NAMESPACE));

const flipByte = (path: string, pos: number): void => {
  const b = readFileSync(path);
  b[pos]! ^= 0x01;
  writeFileSync(path, b);
};

const PLAN_HASH = 'a'.repeat(64);

/**
 * A small but real report: a ledger, both documents (the .md bound to the .json by run id, plan
 * hash and ledger head) and their signatures. Nothing beside it says whom to trust.
 */
function writeReport(base: string, runId: string, verdict: string, k: SigningKey = key): { md: string; json: string; ledger: string } {
  const ledgerFile = join(reportDir, 'run', runId, 'ledger.jsonl');
  mkdirSync(join(reportDir, 'run', runId), { recursive: true });
  const ledger = Ledger.open(ledgerFile, { runId });
  ledger.append('probe.start', { plan: 'smoke' });
  ledger.append('pulse', { seq: 1, status: 'GREEN' });
  ledger.append('pulse', { seq: 2, status: 'GREEN' });
  ledger.append('run.end', { verdict });
  ledger.close();
  const mdPath = join(reportDir, `${base}.md`);
  const jsonPath = join(reportDir, `${base}.json`);
  writeFileSync(mdPath, `# Scale probe\n\n- ${bindingLine(runId, PLAN_HASH, ledger.head())}\n\nVerdict: **${verdict}**\n`);
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        runId,
        plan: { hash: PLAN_HASH },
        verdict,
        ledger: { file: `run/${runId}/ledger.jsonl`, records: ledger.count(), head: ledger.head() },
        signer: { openssh: k.openssh },
      },
      null,
      2,
    ),
  );
  signFile(mdPath, k);
  signFile(jsonPath, k);
  return { md: mdPath, json: jsonPath, ledger: ledgerFile };
}

function buildReport(): void {
  reportDir = join(root, 'reports', '2026-11-23T19-00-00Z');
  const r = writeReport('scale_probe_20261123T190000Z', 'run-7', 'PASS');
  md = r.md;
  json = r.json;
  ledgerPath = r.ledger;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'verify-'));
  process.env.PROBE_LAB_HOME = join(root, 'home');
  key = loadOrCreateSigningKey(join(root, 'home'));
  buildReport();
});
afterEach(() => {
  if (savedHome === undefined) delete process.env.PROBE_LAB_HOME;
  else process.env.PROBE_LAB_HOME = savedHome;
  rmSync(root, { recursive: true, force: true });
});

describe('verifyReport', () => {
  it('accepts an intact report from either its .md or its .json path', () => {
    for (const p of [md, json]) {
      const r = verifyReport(p);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(r.signatures.map((s) => [s.file, s.ok])).toEqual([
        ['scale_probe_20261123T190000Z.md', true],
        ['scale_probe_20261123T190000Z.json', true],
      ]);
      expect(r.ledger).toMatchObject({ ok: true, records: 5, firstBad: null });
      expect(r.signatures[0]!.detail).toContain(key.allowedSignersPath);
      expect(r).toMatchObject({ trust: 'trusted', signer: keyFingerprint(key.openssh), binding: { ok: true } });
    }
  });

  it('the signatures it accepts are accepted by real ssh-keygen with the user\'s allowed_signers', () => {
    const r = spawnSync(
      '/usr/bin/ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        key.allowedSignersPath,
        '-I',
        SIGNER_IDENTITY,
        '-n',
        REPORT_NAMESPACE,
        '-s',
        `${md}.sig`,
      ],
      { input: readFileSync(md) },
    );
    expect(r.status).toBe(0);
  });

  it('fails on one flipped byte in the Markdown', () => {
    flipByte(md, 5);
    const r = verifyReport(json);
    expect(r.ok).toBe(false);
    expect(r.signatures[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^SIGNATURE_INVALID/) });
    expect(r.signatures[1]!.ok).toBe(true);
    expect(r.ledger.ok).toBe(true);
  });

  it('fails on one flipped byte in the JSON', () => {
    flipByte(json, 3);
    const r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.signatures[1]).toMatchObject({ ok: false, detail: expect.stringMatching(/^SIGNATURE_INVALID/) });
    expect(r.signatures[0]!.ok).toBe(true);
  });

  it('fails on one flipped byte in the ledger and names the first bad line', () => {
    const text = readFileSync(ledgerPath, 'utf8');
    const line3 = text.split('\n').slice(0, 2).join('\n').length + 1;
    flipByte(ledgerPath, line3 + 40);
    const r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.signatures.every((s) => s.ok)).toBe(true);
    expect(r.ledger).toMatchObject({ ok: false, firstBad: 3 });
    expect(r.ledger.detail).toContain('line 3');
  });

  it('fails when lines are appended to the ledger after signing', () => {
    writeFileSync(
      ledgerPath,
      readFileSync(ledgerPath, 'utf8') + readFileSync(ledgerPath, 'utf8').split('\n')[4] + '\n',
    );
    expect(verifyReport(md).ledger).toMatchObject({ ok: false, firstBad: 6 });
  });

  it('accepts a torn ledger tail only when the signed report declares the write failure', () => {
    appendFileSync(ledgerPath, '{"seq":6,"at":17');
    expect(verifyReport(md).ledger).toMatchObject({
      ok: false,
      firstBad: 6,
      detail: expect.stringContaining('LEDGER_TORN'),
    });

    const doc = JSON.parse(readFileSync(json, 'utf8')) as { ledger: Record<string, unknown> };
    doc.ledger.failure = 'LEDGER_WRITE_FAILED: ENOSPC';
    writeFileSync(json, JSON.stringify(doc));
    signFile(json);
    const r = verifyReport(md);
    expect(r.ok).toBe(true);
    expect(r.ledger.detail).toContain('ENOSPC');

    // The declaration covers the tail only: a change before it still fails.
    flipByte(ledgerPath, 10);
    expect(verifyReport(md).ledger).toMatchObject({ ok: false, firstBad: 1 });
  });

  it('reports missing files as coded details, never by throwing', () => {
    unlinkSync(`${md}.sig`);
    let r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.signatures[0]!.detail).toMatch(/^SIGNATURE_MISSING/);

    unlinkSync(ledgerPath);
    r = verifyReport(md);
    expect(r.ledger).toMatchObject({ ok: false, detail: expect.stringContaining('LEDGER_NOT_FOUND') });

    r = verifyReport(join(root, 'nowhere', 'scale_probe_x.md'));
    expect(r.ok).toBe(false);
    expect(r.signatures.map((s) => s.detail)).toEqual([
      expect.stringMatching(/^REPORT_NOT_FOUND/),
      expect.stringMatching(/^REPORT_NOT_FOUND/),
    ]);
    expect(r.ledger.detail).toMatch(/^REPORT_NOT_FOUND/);
    expect(verifyReport(join(root, 'notes.txt')).ledger.detail).toMatch(/^REPORT_NOT_FOUND/);
  });

  it('rejects a JSON report that is signed but does not pin a ledger', () => {
    writeFileSync(json, JSON.stringify({ verdict: 'PASS', signer: { openssh: key.openssh } }));
    signFile(json);
    const r = verifyReport(md);
    expect(r.signatures.every((s) => s.ok)).toBe(true);
    expect(r.ledger).toMatchObject({ ok: false, detail: expect.stringMatching(/^REPORT_PARSE/) });
  });

  it('a forgery re-signed with another key, its allowed_signers beside it, is UNTRUSTED_SIGNER', () => {
    const forger = loadOrCreateSigningKey(join(root, 'forger'));
    const doc = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...doc, verdict: 'FAIL', signer: { openssh: forger.openssh } }));
    writeFileSync(md, readFileSync(md, 'utf8').replace('PASS', 'FAIL'));
    signFile(md, forger);
    signFile(json, forger);
    writeAllowedSigners(join(reportDir, 'allowed_signers'), forger.openssh);
    const r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.trust).toBe('untrusted-signer');
    expect(r.signer).toBe(keyFingerprint(forger.openssh));
    for (const s of r.signatures) {
      expect(s.detail).toMatch(/^UNTRUSTED_SIGNER/);
      expect(s.detail).toContain(keyFingerprint(forger.openssh));
    }
    // Only what the user names makes the forger's key trusted.
    expect(verifyReport(md, { allowedSigners: forger.allowedSignersPath }).trust).toBe('trusted');
    expect(verifyReport(md, { keys: [keyFingerprint(forger.openssh)!] })).toMatchObject({ ok: true, trust: 'trusted' });
    expect(verifyReport(md, { keys: [keyFingerprint(key.openssh)!] }).trust).toBe('untrusted-signer');
  });

  it('trusts only the keys the user names: --allowed-signers and --key replace the config folder', () => {
    const stranger = loadOrCreateSigningKey(join(root, 'stranger'));
    let r = verifyReport(md, { allowedSigners: stranger.allowedSignersPath });
    expect(r).toMatchObject({ ok: false, trust: 'untrusted-signer' });
    expect(r.signatures.every((s) => /^UNTRUSTED_SIGNER/.test(s.detail))).toBe(true);
    r = verifyReport(md, { allowedSigners: join(root, 'missing') });
    expect(r.trust).toBe('untrusted-signer');
    expect(r.signatures[0]!.detail).toContain('cannot read the trusted signers file');
    expect(verifyReport(md, { keys: [keyFingerprint(stranger.openssh)!] }).trust).toBe('untrusted-signer');
    expect(
      verifyReport(md, { keys: [keyFingerprint(stranger.openssh)!, keyFingerprint(key.openssh)!] }).trust,
    ).toBe('trusted');
  });

  it('honours valid-before in the user\'s allowed_signers, as ssh-keygen does', () => {
    writeFileSync(key.allowedSignersPath, `probe-lab valid-before="20200101" ${key.openssh}\n`);
    expect(verifyReport(md).trust).toBe('untrusted-signer');
    expect(verifyReport(md, { atSec: Date.UTC(2019, 0, 1) / 1000 }).trust).toBe('trusted');
  });

  it('a PASS .md and .md.sig copied over a FAIL run\'s names fail with REPORT_MISMATCH', () => {
    const fail = writeReport('scale_probe_20261123T200000Z', 'run-8', 'FAIL');
    expect(verifyReport(fail.md).ok).toBe(true);
    copyFileSync(md, fail.md);
    copyFileSync(`${md}.sig`, `${fail.md}.sig`);
    const r = verifyReport(fail.md);
    expect(r.signatures.every((s) => s.ok)).toBe(true);
    expect(r.ledger.ok).toBe(true);
    expect(r).toMatchObject({ ok: false, trust: 'invalid', binding: { ok: false } });
    expect(r.binding.detail).toMatch(/^REPORT_MISMATCH/);
    expect(r.binding.detail).toContain('run-8');
  });

  it('an .md without its binding line fails with REPORT_MISMATCH', () => {
    writeFileSync(md, '# Scale probe\n\nVerdict: **PASS**\n');
    signFile(md);
    expect(verifyReport(md).binding.detail).toMatch(/^REPORT_MISMATCH/);
  });

  it('with `within`, a ledger symlinked out of the folder reads as missing', () => {
    const outside = join(root, 'outside.jsonl');
    copyFileSync(ledgerPath, outside);
    unlinkSync(ledgerPath);
    symlinkSync(outside, ledgerPath);
    expect(verifyReport(md).ok).toBe(true);
    const r = verifyReport(md, { within: reportDir });
    expect(r.ledger.detail).toMatch(/^LEDGER_NOT_FOUND/);
    expect(r.trust).toBe('invalid');
  });

  it('rejects files re-signed by another trusted key that the report does not name', () => {
    const other = loadOrCreateSigningKey(join(root, 'other'));
    signFile(md, other);
    appendFileSync(key.allowedSignersPath, `probe-lab ${other.openssh}\n`);
    const r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.trust).toBe('invalid');
    expect(r.signatures[0]!.detail).toContain('names');
    expect(r.signatures[1]!.ok).toBe(true);
  });
});
