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
import { Ledger } from '../evidence/ledger';
import {
  REPORT_NAMESPACE,
  SIGNER_IDENTITY,
  loadOrCreateSigningKey,
  writeAllowedSigners,
  type SigningKey,
} from './keys';
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

/** A small but real report folder: a ledger, both reports, their signatures and allowed_signers. */
function buildReport(): void {
  reportDir = join(root, 'reports', '2026-11-23T19-00-00Z');
  mkdirSync(join(reportDir, 'run'), { recursive: true });
  ledgerPath = join(reportDir, 'run', 'ledger.jsonl');
  const ledger = Ledger.open(ledgerPath, { runId: 'run-7' });
  ledger.append('probe.start', { plan: 'smoke' });
  ledger.append('pulse', { seq: 1, status: 'GREEN' });
  ledger.append('pulse', { seq: 2, status: 'GREEN' });
  ledger.append('run.end', { verdict: 'PASS' });
  ledger.close();
  md = join(reportDir, 'scale_probe_20261123T190000Z.md');
  json = join(reportDir, 'scale_probe_20261123T190000Z.json');
  writeFileSync(md, '# Scale probe\n\nVerdict: **PASS**\n');
  writeFileSync(
    json,
    JSON.stringify(
      {
        verdict: 'PASS',
        ledger: { file: 'run/ledger.jsonl', records: ledger.count(), head: ledger.head() },
        signer: { openssh: key.openssh },
      },
      null,
      2,
    ),
  );
  signFile(md);
  signFile(json);
  writeAllowedSigners(join(reportDir, 'allowed_signers'), key.openssh);
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
      expect(r.signatures[0]!.detail).toContain(join(reportDir, 'allowed_signers'));
    }
  });

  it('the signatures it accepts are accepted by real ssh-keygen with the folder allowed_signers', () => {
    const r = spawnSync(
      '/usr/bin/ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        join(reportDir, 'allowed_signers'),
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

  it('trusts only the keys in the allowed_signers it uses', () => {
    const stranger = loadOrCreateSigningKey(join(root, 'stranger'));
    const r = verifyReport(md, { allowedSigners: stranger.allowedSignersPath });
    expect(r.ok).toBe(false);
    expect(r.signatures.every((s) => /not an allowed signer/.test(s.detail))).toBe(true);
    expect(verifyReport(md, { allowedSigners: join(root, 'missing') }).signatures[0]!.detail).toMatch(
      /^SIGNATURE_MISSING/,
    );
  });

  it('falls back to the config folder allowed_signers when the report folder has none', () => {
    unlinkSync(join(reportDir, 'allowed_signers'));
    const r = verifyReport(md);
    expect(r.ok).toBe(true);
    expect(r.signatures[0]!.detail).toContain(key.allowedSignersPath);
  });

  it('rejects files re-signed by another allowed key that the report does not name', () => {
    const other = loadOrCreateSigningKey(join(root, 'other'));
    signFile(md, other);
    writeFileSync(
      join(reportDir, 'allowed_signers'),
      `${readFileSync(join(reportDir, 'allowed_signers'), 'utf8')}probe-lab ${other.openssh}\n`,
    );
    const r = verifyReport(md);
    expect(r.ok).toBe(false);
    expect(r.signatures[0]!.detail).toContain('names');
    expect(r.signatures[1]!.ok).toBe(true);
  });
});
