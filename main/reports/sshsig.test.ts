import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../util/errors';
import { parseSshsig, publicKeyToOpenSsh, signSshsig, verifySshsig } from './sshsig';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const NS = 'probe-lab-report';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sshsig-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ed25519 = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ed25519');

/** Runs real `ssh-keygen -Y verify`; returns its exit status and output. */
function sshKeygenVerify(
  message: Buffer,
  sig: string,
  openssh: string,
  namespace = NS,
): { status: number | null; out: string } {
  const tag = Math.random().toString(36).slice(2);
  const signers = join(dir, `allowed_signers.${tag}`);
  const sigPath = join(dir, `msg.${tag}.sig`);
  writeFileSync(signers, `probe-lab namespaces="${NS}" ${openssh}\n`);
  writeFileSync(sigPath, sig);
  const r = spawnSync(
    SSH_KEYGEN,
    ['-Y', 'verify', '-f', signers, '-I', 'probe-lab', '-n', namespace, '-s', sigPath],
    { input: message },
  );
  return { status: r.status, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

/** A key pair made by real ssh-keygen, and a signature it made over `message`. */
function sshKeygenSign(
  message: Buffer,
  namespace = NS,
  hashAlg = 'sha512',
): { sig: string; openssh: string } {
  const tag = Math.random().toString(36).slice(2);
  const keyPath = join(dir, `id_${tag}`);
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyPath]);
  const msgPath = join(dir, `m.${tag}`);
  writeFileSync(msgPath, message);
  execFileSync(
    SSH_KEYGEN,
    ['-q', '-Y', 'sign', '-O', `hashalg=${hashAlg}`, '-f', keyPath, '-n', namespace, msgPath],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    sig: readFileSync(`${msgPath}.sig`, 'utf8'),
    openssh: readFileSync(`${keyPath}.pub`, 'utf8').trim(),
  };
}

const message = Buffer.from('# Scale probe report\n\nverdict: PASS\n\u00e9\u00e8 bytes \x00\xff\n', 'latin1');

describe('signSshsig', () => {
  it('produces armour that real ssh-keygen -Y verify accepts', () => {
    const { privateKey, publicKey } = ed25519();
    const sig = signSshsig(message, privateKey, NS);
    const r = sshKeygenVerify(message, sig, publicKeyToOpenSsh(publicKey));
    expect(r.out).toContain('Good "probe-lab-report" signature for probe-lab');
    expect(r.status).toBe(0);
  });

  it('wraps base64 at 70 columns like ssh-keygen', () => {
    const sig = signSshsig(message, ed25519().privateKey, NS);
    const body = sig.trim().split('\n').slice(1, -1);
    expect(body.slice(0, -1).every((l) => l.length === 70)).toBe(true);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(70);
    expect(sig.endsWith('-----END SSH SIGNATURE-----\n')).toBe(true);
  });

  it('real ssh-keygen rejects our signature over a changed message or under another namespace', () => {
    const { privateKey, publicKey } = ed25519();
    const sig = signSshsig(message, privateKey, NS);
    const changed = Buffer.from(message);
    changed[3]! ^= 1;
    expect(sshKeygenVerify(changed, sig, publicKeyToOpenSsh(publicKey)).status).not.toBe(0);
    expect(sshKeygenVerify(message, sig, publicKeyToOpenSsh(publicKey), 'other-ns').status).not.toBe(0);
  });
});

describe('verifySshsig', () => {
  it('accepts a signature made by real ssh-keygen -Y sign (sha512)', () => {
    const { sig, openssh } = sshKeygenSign(message);
    const r = verifySshsig(message, sig, { namespace: NS, allowedKeys: [openssh] });
    expect(r).toMatchObject({ ok: true, code: null });
    expect(r.publicKey).toBe(openssh.split(' ').slice(0, 2).join(' '));
  });

  it('round-trips its own signatures and reports the signer', () => {
    const { privateKey, publicKey } = ed25519();
    const r = verifySshsig(message, signSshsig(message, privateKey, NS), {
      namespace: NS,
      allowedKeys: [publicKeyToOpenSsh(publicKey)],
    });
    expect(r.ok).toBe(true);
    expect(r.publicKey).toBe(publicKeyToOpenSsh(publicKey));
  });

  it('accepts a sha256 signature made by real ssh-keygen', () => {
    const { sig, openssh } = sshKeygenSign(message, NS, 'sha256');
    expect(parseSshsig(sig).hashAlg).toBe('sha256');
    expect(verifySshsig(message, sig, { namespace: NS, allowedKeys: [openssh] }).ok).toBe(true);
    const changed = Buffer.from(message);
    changed[0]! ^= 1;
    expect(verifySshsig(changed, sig, { namespace: NS }).ok).toBe(false);
  });

  it('rejects a flipped message byte, at every position of a short message', () => {
    const { privateKey } = ed25519();
    const msg = Buffer.from('short message');
    const sig = signSshsig(msg, privateKey, NS);
    for (let i = 0; i < msg.length; i++) {
      const m = Buffer.from(msg);
      m[i]! ^= 0x01;
      const r = verifySshsig(m, sig, { namespace: NS });
      expect(r.ok).toBe(false);
      expect(r.code).toBe('SIGNATURE_INVALID');
    }
  });

  it('rejects a wrong namespace, even when the signature is otherwise good', () => {
    const { sig } = sshKeygenSign(message, 'file');
    const r = verifySshsig(message, sig, { namespace: NS });
    expect(r).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(r.detail).toContain('namespace');
  });

  it('rejects a good signature by a key that is not allowed', () => {
    const { privateKey } = ed25519();
    const other = publicKeyToOpenSsh(ed25519().publicKey);
    const r = verifySshsig(message, signSshsig(message, privateKey, NS), {
      namespace: NS,
      allowedKeys: [other],
    });
    expect(r).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(r.detail).toContain('not an allowed signer');
  });

  it('rejects a signature whose embedded key was swapped for another', () => {
    const a = ed25519();
    const b = ed25519();
    const sigA = parseArmourBytes(signSshsig(message, a.privateKey, NS));
    const keyA = Buffer.from(publicKeyToOpenSsh(a.publicKey).split(' ')[1]!, 'base64');
    const keyB = Buffer.from(publicKeyToOpenSsh(b.publicKey).split(' ')[1]!, 'base64');
    const at = sigA.indexOf(keyA);
    keyB.copy(sigA, at);
    const r = verifySshsig(message, armourBytes(sigA), { namespace: NS });
    expect(r).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  it('never throws on malformed input and names SIGNATURE_PARSE', () => {
    const good = signSshsig(message, ed25519().privateKey, NS);
    const lines = good.trim().split('\n');
    const cases: Record<string, string> = {
      empty: '',
      garbage: 'hello',
      'no footer (truncated)': lines.slice(0, -1).join('\n'),
      'truncated body': [lines[0], lines[1], lines.at(-1)].join('\n'),
      'bad base64': [lines[0], '!!!!', lines.at(-1)].join('\n'),
      'wrong magic': armourBytes(Buffer.concat([Buffer.from('XXXSIG'), parseArmourBytes(good).subarray(6)])),
      'trailing bytes': armourBytes(Buffer.concat([parseArmourBytes(good), Buffer.from([0, 0, 0, 0])])),
      'huge length': armourBytes(
        Buffer.concat([Buffer.from('SSHSIG'), Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])]),
      ),
    };
    for (const [name, text] of Object.entries(cases)) {
      const r = verifySshsig(message, text, { namespace: NS });
      expect(r.ok, name).toBe(false);
      expect(r.code, name).toBe('SIGNATURE_PARSE');
      expect(r.detail.startsWith('SIGNATURE_PARSE:'), name).toBe(true);
      expect(() => parseSshsig(text), name).toThrow(LabError);
    }
  });

  it('rejects every truncation of the armour', () => {
    const sig = signSshsig(message, ed25519().privateKey, NS);
    for (let n = 0; n < sig.length - 2; n += 7)
      expect(verifySshsig(message, sig.slice(0, n), { namespace: NS }).ok).toBe(false);
  });

  it('accepts a private key loaded back from PKCS8 PEM', () => {
    const { privateKey, publicKey } = ed25519();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const sig = signSshsig(message, createPrivateKey(pem), NS);
    expect(
      verifySshsig(message, sig, { namespace: NS, allowedKeys: [publicKeyToOpenSsh(publicKey)] }).ok,
    ).toBe(true);
  });
});

function parseArmourBytes(armoured: string): Buffer {
  return Buffer.from(armoured.trim().split('\n').slice(1, -1).join(''), 'base64');
}
function armourBytes(blob: Buffer): string {
  return `-----BEGIN SSH SIGNATURE-----\n${blob.toString('base64').replace(/(.{70})/g, '$1\n')}\n-----END SSH SIGNATURE-----\n`;
}
