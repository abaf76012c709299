/**
 * Differential test: our allowed_signers reading must accept and refuse exactly what the real
 * `ssh-keygen -Y verify` (OpenSSH, installed on the machine) accepts and refuses, over a corpus of
 * options, principals, quoting, timestamps, comments and broken lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowedKeysFor, parseAbsoluteTime, parseAllowedSigners } from './allowed-signers';
import { openSshKeyId, publicKeyToOpenSsh, signSshsig } from './sshsig';

const NS = 'probe-lab-report';
const ID = 'probe-lab';
let dir: string;
const a = generateKeyPairSync('ed25519');
const A = publicKeyToOpenSsh(a.publicKey);
const B = publicKeyToOpenSsh(generateKeyPairSync('ed25519').publicKey);
const message = Buffer.from('the report\n');

/** [name, allowed_signers text]; each is signed-for by key A, so only the file decides. */
const corpus: [string, string][] = [
  ['plain', `probe-lab ${A}`],
  ['another key', `probe-lab ${B}`],
  ['other key then ours', `probe-lab ${B}\nprobe-lab ${A}`],
  ['namespace', `probe-lab namespaces="probe-lab-report" ${A}`],
  ['other namespaces', `probe-lab namespaces="file,git" ${A}`],
  ['namespace wildcard', `probe-lab namespaces="probe-*" ${A}`],
  ['namespace negated', `probe-lab namespaces="!probe-lab-report,*" ${A}`],
  ['namespace list with blank', `probe-lab namespaces="git, probe-lab-report" ${A}`],
  ['namespace unquoted', `probe-lab namespaces=probe-lab-report ${A}`],
  ['namespace empty', `probe-lab namespaces="" ${A}`],
  ['namespace with escaped quote', `probe-lab namespaces="probe-lab-report\\"" ${A}`],
  ['namespaces twice', `probe-lab namespaces="probe-lab-report",namespaces="git" ${A}`],
  ['option upper case', `probe-lab NAMESPACES="probe-lab-report" ${A}`],
  ['valid-after past', `probe-lab valid-after="20000101" ${A}`],
  ['valid-after future', `probe-lab valid-after="20990101" ${A}`],
  ['valid-before past', `probe-lab valid-before="20000101" ${A}`],
  ['valid-before future Z', `probe-lab valid-before="20990101Z" ${A}`],
  ['valid-after HHMM', `probe-lab valid-after="200001011200" ${A}`],
  ['valid-after HHMMSSZ', `probe-lab valid-after="20000101120000Z" ${A}`],
  ['valid-after UTC', `probe-lab valid-after="20000101UTC" ${A}`],
  ['valid-after 10 digits', `probe-lab valid-after="2000010112" ${A}`],
  ['valid-after month 13', `probe-lab valid-after="20001301" ${A}`],
  ['valid-after epoch', `probe-lab valid-after="19700101Z" ${A}`],
  ['valid-after unquoted', `probe-lab valid-after=20000101 ${A}`],
  ['valid-before Feb 31', `probe-lab valid-before="20990231" ${A}`],
  ['valid-before future HHMMSS', `probe-lab valid-before="20990101235959" ${A}`],
  ['window open', `probe-lab valid-after="20000101",valid-before="20990101" ${A}`],
  ['window closed', `probe-lab valid-after="20980101",valid-before="20990101" ${A}`],
  ['valid-after twice', `probe-lab valid-after="20000101",valid-after="20000102" ${A}`],
  ['all options', `probe-lab namespaces="probe-lab-report",valid-after="20000101",valid-before="20990101Z" ${A}`],
  ['cert-authority', `probe-lab cert-authority ${A}`],
  ['cert-authority and namespace', `probe-lab cert-authority,namespaces="probe-lab-report" ${A}`],
  ['cert-authorityx', `probe-lab cert-authorityx ${A}`],
  ['unknown option', `probe-lab foo ${A}`],
  ['unknown option after good', `probe-lab namespaces="probe-lab-report",foo ${A}`],
  ['trailing comma in options', `probe-lab namespaces="probe-lab-report", ${A}`],
  ['negated principal', `!probe-lab ${A}`],
  ['negation after wildcard', `*,!probe-lab ${A}`],
  ['negation before wildcard', `!probe-lab,* ${A}`],
  ['negation of another', `alice,!bob,probe-lab ${A}`],
  ['star', `* ${A}`],
  ['prefix star', `probe-* ${A}`],
  ['question mark', `probe-la? ${A}`],
  ['question mark too short', `probe-l? ${A}`],
  ['upper case principal', `PROBE-LAB ${A}`],
  ['other principal', `alice ${A}`],
  ['principal list', `alice,probe-lab ${A}`],
  ['principal trailing comma', `probe-lab, ${A}`],
  ['quoted principal', `"probe-lab" ${A}`],
  ['quoted principal list', `"alice,probe-lab" ${A}`],
  ['quoted principal with blank', `"probe lab" ${A}`],
  ['embedded quote in principal', `probe-"lab" ${A}`],
  ['unterminated quote in principal', `"probe-lab ${A}`],
  ['commented out', `# probe-lab ${A}`],
  ['comments, blanks, indent', `# trusted\n\n   \n  probe-lab ${A}\n# end`],
  ['key comment', `probe-lab ${A} laptop key`],
  ['tab separated', `probe-lab\t${A}`],
  ['CRLF', `probe-lab ${A}\r\n`],
  ['broken line before good', `probe-lab namespaces="unterminated ${A}\nprobe-lab ${A}`],
  ['bad key before good', `probe-lab ssh-ed25519 AAAAbad\nprobe-lab ${A}`],
  ['no key', 'probe-lab'],
  ['key type mismatch', `probe-lab ssh-rsa ${A.split(' ')[1]}`],
  ['only options', `probe-lab namespaces="probe-lab-report"`],
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'allowed-signers-'));
  writeFileSync(join(dir, 'msg'), message);
  writeFileSync(join(dir, 'msg.sig'), signSshsig(message, a.privateKey, NS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sshKeygenAccepts(text: string, i: number): boolean {
  const file = join(dir, `allowed_signers.${i}`);
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
  const r = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', file, '-I', ID, '-n', NS, '-s', join(dir, 'msg.sig')], {
    input: message,
  });
  if (r.error) throw r.error;
  return r.status === 0;
}

const oursAccepts = (text: string): boolean =>
  allowedKeysFor(parseAllowedSigners(text), ID, NS).some((k) => openSshKeyId(k) === openSshKeyId(A));

describe('allowed_signers, differentially against ssh-keygen -Y verify', () => {
  it('agrees with ssh-keygen on every variant of the corpus', () => {
    const rows = corpus.map(([name, text], i) => ({
      name,
      ssh: sshKeygenAccepts(text, i),
      ours: oursAccepts(text),
    }));
    expect(rows.filter((r) => r.ssh !== r.ours)).toEqual([]);
    // The corpus must exercise both answers, or agreement proves nothing.
    expect(rows.filter((r) => r.ssh).length).toBeGreaterThan(15);
    expect(rows.filter((r) => !r.ssh).length).toBeGreaterThan(15);
  });
});

describe('parseAbsoluteTime', () => {
  it('reads the forms ssh reads and refuses the rest', () => {
    expect(parseAbsoluteTime('20260101Z')).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(parseAbsoluteTime('202601011230Z')).toBe(Date.UTC(2026, 0, 1, 12, 30) / 1000);
    expect(parseAbsoluteTime('20260101123045UTC')).toBe(Date.UTC(2026, 0, 1, 12, 30, 45) / 1000);
    for (const bad of ['2026010', '2026010112', '20261301', 'abcdefgh', '', 'Z']) expect(parseAbsoluteTime(bad)).toBe(null);
  });
});
