/**
 * Verifies a signed report folder: the Markdown and JSON reports each carry an SSHSIG signature
 * (namespace probe-lab-report), and the signed JSON pins the run ledger by record count and head
 * hash, so a changed byte in any of the three is found. Never throws: every failure is a coded
 * detail in the VerifyResult.
 *
 * Trust comes from an allowed_signers file: the one passed in, else the copy beside the report,
 * else the user's own. The copy beside the report only proves the files agree with each other;
 * the detail names which file was used so a reader can tell.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { VerifyResult } from '../model/api';
import type { ErrorCode } from '../util/errors';
import { configDir } from '../util/config-dir';
import { verifyLedger, verifyLedgerBuffer } from '../evidence/ledger-read';
import {
  ALLOWED_SIGNERS_FILE,
  REPORT_NAMESPACE,
  SIGNER_IDENTITY,
  allowedKeysFor,
  parseAllowedSigners,
} from './keys';
import { openSshKeyId, verifySshsig } from './sshsig';

export const SIGNATURE_SUFFIX = '.sig';

const ReportPinsSchema = z.object({
  ledger: z.object({
    file: z.string().min(1),
    records: z.number().int().positive(),
    head: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex'),
    /** Set when the run's ledger write failed: the file may then end in a torn line. */
    failure: z.string().nullable().optional(),
  }),
  signer: z.object({ openssh: z.string().min(1) }),
});

export interface VerifyReportOptions {
  /** Path of an allowed_signers file to trust instead of the default lookup. */
  allowedSigners?: string;
}

type Entry = VerifyResult['signatures'][number];

const coded = (code: ErrorCode, message: string): string => `${code}: ${message}`;
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `<dir>/<name>.md` and `<dir>/<name>.json` from either of them (or their .sig). */
export function reportFiles(reportPath: string): { dir: string; md: string; json: string } | null {
  const abs = resolve(
    reportPath.endsWith(SIGNATURE_SUFFIX) ? reportPath.slice(0, -SIGNATURE_SUFFIX.length) : reportPath,
  );
  const m = /^(.*)\.(md|json)$/.exec(abs);
  if (!m?.[1]) return null;
  return { dir: dirname(abs), md: `${m[1]}.md`, json: `${m[1]}.json` };
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

function loadAllowedKeys(
  dir: string,
  opts: VerifyReportOptions,
): { keys: string[]; source: string; error: string | null } {
  const candidates = opts.allowedSigners
    ? [opts.allowedSigners]
    : [join(dir, ALLOWED_SIGNERS_FILE), join(configDir(), ALLOWED_SIGNERS_FILE)];
  const source = candidates.find((p) => existsSync(p));
  if (!source) {
    return {
      keys: [],
      source: candidates.join(' or '),
      error: coded('SIGNATURE_MISSING', `no allowed_signers file at ${candidates.join(' or ')}`),
    };
  }
  const text = readOrNull(source)?.toString('utf8');
  if (text === undefined)
    return { keys: [], source, error: coded('SIGNATURE_MISSING', `cannot read ${source}`) };
  const keys = allowedKeysFor(parseAllowedSigners(text), SIGNER_IDENTITY, REPORT_NAMESPACE);
  if (keys.length === 0) {
    return {
      keys,
      source,
      error: coded(
        'SIGNATURE_INVALID',
        `${source} trusts no key for ${SIGNER_IDENTITY} in namespace ${REPORT_NAMESPACE}`,
      ),
    };
  }
  return { keys, source, error: null };
}

function checkSignature(
  file: string,
  content: Buffer | null,
  trust: ReturnType<typeof loadAllowedKeys>,
): Entry & { signer: string } {
  const name = basename(file);
  const sigPath = `${file}${SIGNATURE_SUFFIX}`;
  const bad = (detail: string): Entry & { signer: string } => ({ file: name, ok: false, detail, signer: '' });
  if (content === null) return bad(coded('REPORT_NOT_FOUND', `${file} is missing`));
  const sig = readOrNull(sigPath);
  if (sig === null) return bad(coded('SIGNATURE_MISSING', `${sigPath} is missing`));
  if (trust.error) return bad(trust.error);
  const r = verifySshsig(content, sig.toString('utf8'), {
    namespace: REPORT_NAMESPACE,
    allowedKeys: trust.keys,
  });
  return {
    file: name,
    ok: r.ok,
    detail: r.ok ? `${r.detail}, trusted via ${trust.source}` : r.detail,
    signer: r.publicKey,
  };
}

function checkLedger(
  dir: string,
  json: Buffer | null,
): VerifyResult['ledger'] & { signerKey: string | null } {
  const bad = (detail: string): VerifyResult['ledger'] & { signerKey: null } => ({
    ok: false,
    records: 0,
    firstBad: null,
    detail,
    signerKey: null,
  });
  if (json === null)
    return bad(coded('REPORT_NOT_FOUND', 'the JSON report, which pins the ledger, is missing'));
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch (err) {
    return bad(coded('REPORT_PARSE', `JSON report does not parse: ${errText(err)}`));
  }
  const pins = ReportPinsSchema.safeParse(value);
  if (!pins.success) {
    return bad(
      coded('REPORT_PARSE', pins.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
    );
  }
  const { file, records, head } = pins.data.ledger;
  if (isAbsolute(file))
    return bad(coded('REPORT_PARSE', `ledger.file must be relative to the report folder, got ${file}`));
  const ledgerPath = join(dir, file);
  const rel = relative(resolve(dir), resolve(ledgerPath));
  if (rel.startsWith('..') || isAbsolute(rel))
    return bad(coded('REPORT_PARSE', 'ledger.file must stay inside the report folder'));
  const v = verifyLedger(ledgerPath, { head, records });
  const failure = pins.data.ledger.failure;
  if (v.code === 'LEDGER_TORN' && failure && tornTailOnly(ledgerPath, head, records)) {
    return {
      ok: true,
      records: v.records,
      firstBad: null,
      detail: `${file}: ${records} records chain to the signed head; the torn tail after them is the write failure the signed report declares (${failure})`,
      signerKey: pins.data.signer.openssh,
    };
  }
  return {
    ok: v.ok,
    records: v.records,
    firstBad: v.firstBad,
    detail: `${file}: ${v.detail}`,
    signerKey: pins.data.signer.openssh,
  };
}

/** True when everything before the last newline verifies exactly as the report pinned it. */
function tornTailOnly(path: string, head: string, records: number): boolean {
  const buf = readOrNull(path);
  if (!buf) return false;
  return verifyLedgerBuffer(buf.subarray(0, buf.lastIndexOf(0x0a) + 1), { head, records }).ok;
}

export function verifyReport(reportPath: string, opts: VerifyReportOptions = {}): VerifyResult {
  try {
    return verifyReportUnsafe(reportPath, opts);
  } catch (err) {
    const detail = coded('INTERNAL', errText(err));
    return { ok: false, signatures: [], ledger: { ok: false, records: 0, firstBad: null, detail } };
  }
}

function verifyReportUnsafe(reportPath: string, opts: VerifyReportOptions): VerifyResult {
  const files = reportFiles(reportPath);
  if (!files) {
    const detail = coded('REPORT_NOT_FOUND', `${reportPath} is not a .md or .json report path`);
    return { ok: false, signatures: [], ledger: { ok: false, records: 0, firstBad: null, detail } };
  }
  const md = readOrNull(files.md);
  const json = readOrNull(files.json);
  const trust = loadAllowedKeys(files.dir, opts);
  const sigs = [checkSignature(files.md, md, trust), checkSignature(files.json, json, trust)];
  const { signerKey, ...ledger } = checkLedger(files.dir, json);

  // The signed JSON names its signer; a signature by any other allowed key is still a mismatch.
  const named = signerKey ? openSshKeyId(signerKey) : null;
  const signatures = sigs.map(({ signer, ...entry }) =>
    entry.ok && named !== null && openSshKeyId(signer) !== named
      ? {
          ...entry,
          ok: false,
          detail: coded(
            'SIGNATURE_INVALID',
            `signed by ${signer}, but the report names ${signerKey} as its signer`,
          ),
        }
      : entry,
  );
  return { ok: signatures.every((s) => s.ok) && ledger.ok, signatures, ledger };
}
