/**
 * The report signing key: one Ed25519 key per user, created on first use in the config folder,
 * plus an OpenSSH `allowed_signers` file so anyone can check a report with stock ssh-keygen.
 * The key file is treated the way ssh treats ~/.ssh/id_*: a key others can read is refused.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../util/errors';
import { createFileAtomic, writeFileAtomic } from '../util/atomic-file';
import { configDir, ensureConfigDir } from '../util/config-dir';
import { openSshKeyId, publicKeyToOpenSsh } from './sshsig';

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

/**
 * Loads the signing key from `<dir>/signing-key.pem`, creating it (PKCS8 PEM, 0600) on first use,
 * and makes sure `<dir>/allowed_signers` trusts it. Safe to call any number of times, from
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

  const wanted = `${allowedSignersLine(openssh)}\n`;
  let current: string | null = null;
  try {
    current = readFileSync(allowedSignersPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (current !== wanted) {
    if (current !== null)
      warnings.push(`${allowedSignersPath} did not match the signing key and was rewritten`);
    writeAllowedSigners(allowedSignersPath, openssh);
  }
  return { privateKey, publicKey, openssh, keyPath, allowedSignersPath, created, warnings };
}

// ---- reading allowed_signers (ssh-keygen(1), ALLOWED SIGNERS) ----

export interface AllowedSigner {
  principals: string[];
  /** null when the line has no namespaces= option (valid for every namespace). */
  namespaces: string[] | null;
  certAuthority: boolean;
  /** `<type> <base64>` */
  openssh: string;
  line: number;
}

/** Splits on blanks outside double quotes, as sshkey options are written. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

const looksLikeKeyType = (t: string): boolean => /^(ssh-|ecdsa-|sk-|rsa-)/.test(t);

/** Parses allowed_signers text; lines that cannot be read are skipped (as ssh-keygen does). */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const t = tokens(line);
    const principals = t.shift()?.replace(/^"|"$/g, '').split(',') ?? [];
    let options: string[] = [];
    if (t[0] && !looksLikeKeyType(t[0])) options = splitOptions(t.shift() ?? '');
    const [type, b64] = t;
    if (!type || !b64) return;
    const openssh = `${type} ${b64}`;
    if (openSshKeyId(openssh) === null) return;
    let namespaces: string[] | null = null;
    let certAuthority = false;
    for (const opt of options) {
      const m = /^namespaces="?([^"]*)"?$/i.exec(opt);
      if (m) namespaces = (m[1] ?? '').split(',').filter(Boolean);
      if (/^cert-authority$/i.test(opt)) certAuthority = true;
    }
    out.push({ principals, namespaces, certAuthority, openssh, line: i + 1 });
  });
  return out;
}

function splitOptions(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** ssh's match_pattern: `*` and `?` wildcards, whole-string match. */
const globMatch = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

/** The plain keys (no CAs) that may sign as `identity` in `namespace`. */
export function allowedKeysFor(
  signers: AllowedSigner[],
  identity = SIGNER_IDENTITY,
  namespace = REPORT_NAMESPACE,
): string[] {
  return signers
    .filter((s) => !s.certAuthority)
    .filter((s) => s.principals.some((p) => globMatch(p, identity)))
    .filter((s) => s.namespaces === null || s.namespaces.some((n) => globMatch(n, namespace)))
    .map((s) => s.openssh);
}
