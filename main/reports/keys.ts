/**
 * The report signing key: one Ed25519 key per user, created on first use in the config folder,
 * plus the user's OpenSSH `allowed_signers` there: the only trust verification starts from.
 * The key file is treated the way ssh treats ~/.ssh/id_*: a key others can read is refused.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../util/errors';
import { createFileAtomic, writeFileAtomic } from '../util/atomic-file';
import { configDir, ensureConfigDir } from '../util/config-dir';
import { openSshKeyId, publicKeyToOpenSsh } from './sshsig';
import { allowedKeysFor, parseAllowedSigners } from './allowed-signers';

export const SIGNER_IDENTITY = 'probe-lab';
export const REPORT_NAMESPACE = 'probe-lab-report';
export const SIGNING_KEY_FILE = 'signing-key.pem';
export const ALLOWED_SIGNERS_FILE = 'allowed_signers';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `ssh-ed25519 AAAA...` */
  openssh: string;
  keyPath: string;
  allowedSignersPath: string;
  /** True when this call generated the key. */
  created: boolean;
  /** Things the user should know that did not stop signing (e.g. allowed_signers was rewritten). */
  warnings: string[];
}

export function allowedSignersLine(openssh: string): string {
  return `${SIGNER_IDENTITY} namespaces="${REPORT_NAMESPACE}" ${openssh}`;
}

/** Writes an allowed_signers file trusting `openssh` for report signatures (atomic replace). */
export function writeAllowedSigners(path: string, openssh: string): void {
  writeFileAtomic(path, `${allowedSignersLine(openssh)}\n`, 0o644);
}

function loadPrivateKey(keyPath: string): KeyObject {
  const mode = statSync(keyPath).mode & 0o777;
  if (mode & 0o077) {
    throw new LabError(
      'SIGNING_KEY_INSECURE',
      `${keyPath} has mode 0${mode.toString(8)}; it must be readable by its owner only (chmod 600 ${keyPath})`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: readFileSync(keyPath), format: 'pem' });
  } catch (err) {
    throw new LabError(
      'SIGNING_KEY_INVALID',
      `${keyPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LabError(
      'SIGNING_KEY_INVALID',
      `${keyPath} holds a ${key.asymmetricKeyType ?? 'unknown'} key, expected ed25519`,
    );
  }
  return key;
}

const trustsKey = (text: string, openssh: string): boolean =>
  allowedKeysFor(parseAllowedSigners(text), SIGNER_IDENTITY, REPORT_NAMESPACE).some(
    (k) => openSshKeyId(k) === openSshKeyId(openssh),
  );

/**
 * Loads the signing key from `<dir>/signing-key.pem`, creating it (PKCS8 PEM, 0600) on first use,
 * and makes sure `<dir>/allowed_signers` (the user's trusted signers) trusts it. Safe to call any number of times, from
 * several processes at once: the key is created with a no-clobber atomic link, so all callers end
 * up with the same key.
 */
export function loadOrCreateSigningKey(dir: string = configDir()): SigningKey {
  ensureConfigDir(dir);
  const keyPath = join(dir, SIGNING_KEY_FILE);
  const allowedSignersPath = join(dir, ALLOWED_SIGNERS_FILE);
  const warnings: string[] = [];

  let created = false;
  try {
    statSync(keyPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    created = createFileAtomic(keyPath, pem, 0o600);
  }
  const privateKey = loadPrivateKey(keyPath);
  const publicKey = createPublicKey(privateKey);
  const openssh = publicKeyToOpenSsh(publicKey);

  // The config folder's allowed_signers is the user's own trust list: lines they added (a
  // colleague's key) stay; only a missing trust for this key is added back.
  let current: string | null = null;
  try {
    current = readFileSync(allowedSignersPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const trusted = current !== null && trustsKey(current, openssh);
  if (!trusted) {
    if (current !== null && current.trim() !== '')
      warnings.push(`${allowedSignersPath} did not trust the signing key; its line was added`);
    const prefix = current && current.trim() !== '' ? current.replace(/\n?$/, '\n') : '';
    writeFileAtomic(allowedSignersPath, `${prefix}${allowedSignersLine(openssh)}\n`, 0o644);
  }
  return { privateKey, publicKey, openssh, keyPath, allowedSignersPath, created, warnings };
}

/** `SHA256:<base64, no padding>` of the key blob, as `ssh-keygen -l` prints it; null if unreadable. */
export function keyFingerprint(openssh: string): string | null {
  const id = openSshKeyId(openssh);
  if (id === null) return null;
  const digest = createHash('sha256').update(Buffer.from(id, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export {
  allowedKeysFor,
  parseAllowedSigners,
  type AllowedSigner,
} from './allowed-signers';
