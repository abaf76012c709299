import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import {
  REPORT_NAMESPACE,
  SIGNER_IDENTITY,
  allowedKeysFor,
  keyFingerprint,
  loadOrCreateSigningKey,
  parseAllowedSigners,
  writeAllowedSigners,
} from './keys';
import { publicKeyToOpenSsh, signSshsig } from './sshsig';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadOrCreateSigningKey', () => {
  it('creates a private 0600 PKCS8 key and an allowed_signers file on first use', () => {
    const home = join(dir, 'probe-lab');
    const k = loadOrCreateSigningKey(home);
    expect(k.created).toBe(true);
    expect(k.warnings).toEqual([]);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(k.keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(k.keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(k.openssh).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+={0,2}$/);
    expect(readFileSync(k.allowedSignersPath, 'utf8')).toBe(
      `probe-lab namespaces="probe-lab-report" ${k.openssh}\n`,
    );
  });

  it('is idempotent: the same key comes back and nothing is rewritten', () => {
    const a = loadOrCreateSigningKey(dir);
    const before = statSync(a.allowedSignersPath).mtimeMs;
    const b = loadOrCreateSigningKey(dir);
    expect(b.created).toBe(false);
    expect(b.openssh).toBe(a.openssh);
    expect(statSync(a.allowedSignersPath).mtimeMs).toBe(before);
  });

  it('the files it writes let real ssh-keygen verify a report signature', () => {
    const k = loadOrCreateSigningKey(dir);
    const msg = Buffer.from('report body\n');
    const sigPath = join(dir, 'r.md.sig');
    writeFileSync(sigPath, signSshsig(msg, k.privateKey, REPORT_NAMESPACE));
    const r = spawnSync(
      '/usr/bin/ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        k.allowedSignersPath,
        '-I',
        SIGNER_IDENTITY,
        '-n',
        REPORT_NAMESPACE,
        '-s',
        sigPath,
      ],
      {
        input: msg,
      },
    );
    expect(r.stdout.toString()).toContain('Good "probe-lab-report" signature for probe-lab');
    expect(r.status).toBe(0);
  });

  it('refuses a key file that group or others can read', () => {
    const k = loadOrCreateSigningKey(dir);
    chmodSync(k.keyPath, 0o644);
    expect(() => loadOrCreateSigningKey(dir)).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INSECURE' }),
    );
  });

  it('refuses a key file that is not an Ed25519 private key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(join(dir, 'signing-key.pem'), rsa, { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(dir)).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INVALID' }),
    );
    writeFileSync(join(dir, 'signing-key.pem'), 'garbage', { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(dir)).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INVALID' }),
    );
  });

  it('adds the key back to an allowed_signers that does not trust it, keeping the user\'s lines', () => {
    const k = loadOrCreateSigningKey(dir);
    const colleague = publicKeyToOpenSsh(generateKeyPairSync('ed25519').publicKey);
    writeFileSync(k.allowedSignersPath, `colleague ${colleague}\n`);
    const again = loadOrCreateSigningKey(dir);
    expect(again.warnings.join()).toContain('was added');
    const text = readFileSync(k.allowedSignersPath, 'utf8');
    expect(text).toContain(k.openssh);
    expect(text).toContain(`colleague ${colleague}`);
    // Already trusted: left alone, no warning.
    expect(loadOrCreateSigningKey(dir).warnings).toEqual([]);
    expect(readFileSync(k.allowedSignersPath, 'utf8')).toBe(text);
  });

  it('several processes creating the key at once all end up with the same key', async () => {
    const mod = fileURLToPath(new URL('./keys.ts', import.meta.url));
    const script = join(dir, 'race.ts');
    writeFileSync(
      script,
      `import { loadOrCreateSigningKey } from ${JSON.stringify(mod)};\nprocess.stdout.write(loadOrCreateSigningKey(process.argv[2]).openssh);\n`,
    );
    const home = join(dir, 'shared');
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, home], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const keys = await Promise.all([run(), run(), run(), run()]);
    expect(new Set(keys).size).toBe(1);
    expect(loadOrCreateSigningKey(home).openssh).toBe(keys[0]);
  });
});

describe('allowed_signers', () => {
  it('writeAllowedSigners writes a file trusting the key for report signatures', () => {
    const openssh = publicKeyToOpenSsh(generateKeyPairSync('ed25519').publicKey);
    const p = join(dir, 'allowed_signers');
    writeAllowedSigners(p, openssh);
    expect(allowedKeysFor(parseAllowedSigners(readFileSync(p, "utf8")), SIGNER_IDENTITY, REPORT_NAMESPACE)).toEqual([openssh]);
  });

  it('honours principals, namespaces, wildcards, CAs and comments', () => {
    const k = (): string => publicKeyToOpenSsh(generateKeyPairSync('ed25519').publicKey);
    const [a, b, c, d, e] = [k(), k(), k(), k(), k()];
    const text = [
      '# comment',
      '',
      `probe-lab namespaces="probe-lab-report" ${a} laptop`,
      `alice,probe-lab ${b}`,
      `probe-lab namespaces="file,git" ${c}`,
      `someone-else ${d}`,
      `probe-* cert-authority,namespaces="probe-lab-report" ${e}`,
      'probe-lab not-a-key',
      `"probe-lab" namespaces="probe-*" ${e}`,
    ].join('\n');
    const entries = parseAllowedSigners(text);
    expect(entries).toHaveLength(6);
    expect(allowedKeysFor(entries, SIGNER_IDENTITY, REPORT_NAMESPACE)).toEqual([a, b, e]);
    expect(allowedKeysFor(entries, 'alice', 'anything')).toEqual([b]);
  });
});

describe('keyFingerprint', () => {
  it('is the SHA256 fingerprint ssh-keygen -l prints', () => {
    const k = loadOrCreateSigningKey(dir);
    const pub = join(dir, 'k.pub');
    writeFileSync(pub, `${k.openssh}\n`);
    const r = spawnSync('ssh-keygen', ['-l', '-f', pub], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split(' ')[1]).toBe(keyFingerprint(k.openssh));
    expect(keyFingerprint('ssh-ed25519 notbase64')).toBe(null);
  });
});
