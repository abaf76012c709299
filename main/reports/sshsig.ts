/**
 * OpenSSH SSHSIG signatures (PROTOCOL.sshsig) with Ed25519, on node:crypto alone. The output is
 * byte-compatible with `ssh-keygen -Y sign`, so anyone can check a report with stock OpenSSH:
 *   ssh-keygen -Y verify -f ~/.config/probe-lab/allowed_signers -I probe-lab -n probe-lab-report -s report.md.sig < report.md
 * Verification never throws on hostile input: every malformed armour, base64 or length becomes
 * ok:false with a coded detail.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { LabError, type ErrorCode } from '../util/errors';

const MAGIC = Buffer.from('SSHSIG', 'ascii');
const SIG_VERSION = 1;
const KEY_TYPE = 'ssh-ed25519';
const ED25519_PUBLIC_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
/** ssh-keygen wraps the armoured base64 at 70 columns (sshbuf_dtob64 in sshbuf-misc.c). */
const ARMOUR_LINE = 70;
const SIGN_HASH = 'sha512';
const VERIFY_HASHES = new Set(['sha256', 'sha512']);

// ---- wire encoding (RFC 4251 string / uint32) ----

const sshString = (data: Buffer | string): Buffer => {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
};

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

class WireReader {
  private off = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  bytes(n: number, field: string): Buffer {
    if (this.off + n > this.buf.length)
      throw parseError(`${this.what}: ${field} runs past the end (${this.buf.length} bytes)`);
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  uint32(field: string): number {
    return this.bytes(4, field).readUInt32BE(0);
  }
  string(field: string): Buffer {
    return this.bytes(this.uint32(`${field} length`), field);
  }
  text(field: string): string {
    return this.string(field).toString('utf8');
  }
  end(): void {
    if (this.off !== this.buf.length)
      throw parseError(`${this.what}: ${this.buf.length - this.off} trailing bytes`);
  }
}

const parseError = (message: string): LabError => new LabError('SIGNATURE_PARSE', message);

// ---- public keys ----

/** The SSH wire blob of an Ed25519 public key: string("ssh-ed25519") || string(32 bytes). */
export function publicKeyBlob(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new LabError(
      'SIGNATURE_PARSE',
      `only Ed25519 keys are supported, got ${pub.asymmetricKeyType ?? 'unknown'}`,
    );
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new LabError('INTERNAL', 'Ed25519 JWK export has no x');
  return Buffer.concat([sshString(KEY_TYPE), sshString(Buffer.from(jwk.x, 'base64url'))]);
}

/** `ssh-ed25519 AAAA...` (no comment), the form used in authorized_keys and allowed_signers. */
export function publicKeyToOpenSsh(key: KeyObject): string {
  return `${KEY_TYPE} ${publicKeyBlob(key).toString('base64')}`;
}

function keyObjectFromBlob(blob: Buffer): KeyObject {
  const r = new WireReader(blob, 'public key');
  const type = r.text('key type');
  if (type !== KEY_TYPE)
    throw parseError(`public key type ${JSON.stringify(type)} is not supported (only ${KEY_TYPE})`);
  const raw = r.string('key bytes');
  r.end();
  if (raw.length !== ED25519_PUBLIC_BYTES)
    throw parseError(`Ed25519 public key is ${raw.length} bytes, expected ${ED25519_PUBLIC_BYTES}`);
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch (err) {
    throw parseError(`Ed25519 public key is not usable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The key blob of an OpenSSH public key line, as base64 (comment dropped), or null when the line
 * is not `<type> <base64> [comment]` with a matching embedded type.
 */
export function openSshKeyId(line: string): string | null {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !isStrictBase64(b64)) return null;
  try {
    const r = new WireReader(Buffer.from(b64, 'base64'), 'public key');
    if (r.text('key type') !== type) return null;
  } catch {
    return null;
  }
  return Buffer.from(b64, 'base64').toString('base64');
}

const isStrictBase64 = (s: string): boolean => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);

// ---- signing ----

function signedData(namespace: string, hashAlg: string, message: Buffer): Buffer {
  const digest = createHash(hashAlg).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
}

function armour(blob: Buffer): string {
  const b64 = blob.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += ARMOUR_LINE) lines.push(b64.slice(i, i + ARMOUR_LINE));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

export function signSshsig(message: Buffer, privateKey: KeyObject, namespace: string): string {
  if (privateKey.type !== 'private') throw new LabError('INTERNAL', 'signSshsig needs a private key');
  if (!namespace) throw new LabError('INTERNAL', 'SSHSIG namespace must not be empty');
  const sig = sign(null, signedData(namespace, SIGN_HASH, message), privateKey);
  const sigBlob = Buffer.concat([sshString(KEY_TYPE), sshString(sig)]);
  const blob = Buffer.concat([
    MAGIC,
    uint32(SIG_VERSION),
    sshString(publicKeyBlob(privateKey)),
    sshString(namespace),
    sshString(''),
    sshString(SIGN_HASH),
    sshString(sigBlob),
  ]);
  return armour(blob);
}

// ---- parsing and verification ----

export interface ParsedSshsig {
  publicKey: KeyObject;
  /** `ssh-ed25519 AAAA...` */
  openssh: string;
  namespace: string;
  hashAlg: string;
  signature: Buffer;
}

/** Parses armoured SSHSIG text; throws LabError('SIGNATURE_PARSE') naming what is wrong. */
export function parseSshsig(armoured: string): ParsedSshsig {
  const text = armoured.replace(/\r\n/g, '\n').trim();
  if (!text.startsWith(BEGIN)) throw parseError(`missing "${BEGIN}" header`);
  if (!text.endsWith(END)) throw parseError(`missing "${END}" footer (truncated?)`);
  const b64 = text.slice(BEGIN.length, text.length - END.length).replace(/\s+/g, '');
  if (!b64 || !isStrictBase64(b64)) throw parseError('armour body is not valid base64');
  const blob = Buffer.from(b64, 'base64');

  const r = new WireReader(blob, 'signature');
  if (!r.bytes(MAGIC.length, 'magic').equals(MAGIC))
    throw parseError('signature does not start with SSHSIG magic');
  const version = r.uint32('version');
  if (version !== SIG_VERSION) throw parseError(`unsupported SSHSIG version ${version}`);
  const keyBlob = r.string('public key');
  const namespace = r.text('namespace');
  r.string('reserved');
  const hashAlg = r.text('hash algorithm');
  const sigBlob = r.string('signature blob');
  r.end();

  if (!VERIFY_HASHES.has(hashAlg)) throw parseError(`unsupported hash algorithm ${JSON.stringify(hashAlg)}`);
  const publicKey = keyObjectFromBlob(keyBlob);
  const s = new WireReader(sigBlob, 'signature blob');
  const sigType = s.text('signature type');
  if (sigType !== KEY_TYPE)
    throw parseError(`signature type ${JSON.stringify(sigType)} does not match key type ${KEY_TYPE}`);
  const signature = s.string('signature bytes');
  s.end();
  if (signature.length !== ED25519_SIGNATURE_BYTES)
    throw parseError(`Ed25519 signature is ${signature.length} bytes, expected ${ED25519_SIGNATURE_BYTES}`);

  return { publicKey, openssh: `${KEY_TYPE} ${keyBlob.toString('base64')}`, namespace, hashAlg, signature };
}

export interface SshsigVerifyOptions {
  namespace: string;
  /** OpenSSH public keys (`ssh-ed25519 AAAA... [comment]`) trusted to sign; omitted means any key. */
  allowedKeys?: string[];
}

export interface SshsigVerifyResult {
  ok: boolean;
  /** The error code when ok is false. */
  code: ErrorCode | null;
  /** Starts with the code when ok is false, e.g. "SIGNATURE_PARSE: missing footer". */
  detail: string;
  /** The signer's key in `ssh-ed25519 AAAA...` form, '' when the signature could not be parsed. */
  publicKey: string;
}

export function verifySshsig(
  message: Buffer,
  armoured: string,
  opts: SshsigVerifyOptions,
): SshsigVerifyResult {
  const bad = (code: ErrorCode, detail: string, publicKey = ''): SshsigVerifyResult => ({
    ok: false,
    code,
    detail: `${code}: ${detail}`,
    publicKey,
  });
  let parsed: ParsedSshsig;
  try {
    parsed = parseSshsig(armoured);
  } catch (err) {
    return bad('SIGNATURE_PARSE', err instanceof Error ? err.message : String(err));
  }
  const { openssh } = parsed;
  if (parsed.namespace !== opts.namespace) {
    return bad(
      'SIGNATURE_INVALID',
      `namespace is ${JSON.stringify(parsed.namespace)}, expected ${JSON.stringify(opts.namespace)}`,
      openssh,
    );
  }
  let valid: boolean;
  try {
    valid = verify(
      null,
      signedData(parsed.namespace, parsed.hashAlg, message),
      parsed.publicKey,
      parsed.signature,
    );
  } catch (err) {
    return bad(
      'SIGNATURE_INVALID',
      `verification error: ${err instanceof Error ? err.message : String(err)}`,
      openssh,
    );
  }
  if (!valid) return bad('SIGNATURE_INVALID', `signature by ${openssh} does not match the content`, openssh);
  if (opts.allowedKeys) {
    const signer = openSshKeyId(openssh);
    const allowed = opts.allowedKeys.some((k) => openSshKeyId(k) === signer);
    if (!allowed)
      return bad('SIGNATURE_INVALID', `signed by ${openssh}, which is not an allowed signer`, openssh);
  }
  return {
    ok: true,
    code: null,
    detail: `good ${parsed.hashAlg} signature by ${openssh}`,
    publicKey: openssh,
  };
}
