/**
 * Verifies a signed report folder: the Markdown and JSON reports each carry an SSHSIG signature
 * (namespace probe-lab-report), and the signed JSON pins the run ledger by record count and head
 * hash, so a changed byte in any of the three is found. Never throws: every failure is a coded
 * detail in the VerifyResult.
 *
 * Trust comes only from what the user chose: the allowed_signers in their config folder, or an
 * allowed_signers file and/or key fingerprints they name. Never from a file beside the report:
 * whoever can replace the report can replace that too. A good signature by a key the user does
 * not trust is `untrusted-signer` (UNTRUSTED_SIGNER), never `trusted`.
 *
 * The .md, the .json and the ledger are bound together: the .md carries a binding line with the
 * run id, plan hash and ledger head that the signed JSON names (REPORT_MISMATCH otherwise).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { TrustLevel, VerifyResult } from '../model/api';
import { verifyCode } from '../model/verify';
import type { ErrorCode } from '../util/errors';
import { configDir } from '../util/config-dir';
import { verifyLedger, verifyLedgerBuffer } from '../evidence/ledger-read';
import {
  ALLOWED_SIGNERS_FILE,
  REPORT_NAMESPACE,
  SIGNER_IDENTITY,
  allowedKeysFor,
  keyFingerprint,
  parseAllowedSigners,
} from './keys';
import { openSshKeyId, verifySshsig } from './sshsig';
import { BINDING_PREFIX, bindingLine } from './markdown';
import { checkReviewedLedger, reviewsPath } from './review-addendum';
import { sha256 } from '../evidence/ledger-format';
import { htmlBindingProblem, htmlPathFor } from './verify-html';

export const SIGNATURE_SUFFIX = '.sig';

const ReportPinsSchema = z.object({
  runId: z.string().min(1),
  plan: z.object({ hash: z.string().min(1) }),
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
  /** An allowed_signers file to trust instead of the config folder's. */
  allowedSigners?: string;
  /** Key fingerprints (`SHA256:...`, as `ssh-keygen -l` prints) to trust instead of the config folder's file. */
  keys?: string[];
  /**
   * A real folder every file read must be inside (after resolving symlinks); one outside reads as
   * missing. The console passes its report folder, so a symlink cannot lead verification out.
   */
  within?: string;
  /** The time valid-after/valid-before are checked at (seconds); now by default, as ssh-keygen. */
  atSec?: number;
}

/** `SHA256:` and 43 base64 characters: a fingerprint as `ssh-keygen -l` prints it. */
export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

type Entry = VerifyResult['signatures'][number];

/** A failure: its code, and a detail that starts with the code for people reading it. */
interface Coded {
  code: ErrorCode;
  detail: string;
}
const coded = (code: ErrorCode, message: string): Coded => ({ code, detail: `${code}: ${message}` });
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `<dir>/<name>.md` and `<dir>/<name>.json` from either of them or the .html (or their .sig). */
export function reportFiles(reportPath: string): { dir: string; md: string; json: string } | null {
  const abs = resolve(
    reportPath.endsWith(SIGNATURE_SUFFIX) ? reportPath.slice(0, -SIGNATURE_SUFFIX.length) : reportPath,
  );
  const m = /^(.*)\.(md|json|html)$/.exec(abs);
  if (!m?.[1]) return null;
  return { dir: dirname(abs), md: `${m[1]}.md`, json: `${m[1]}.json` };
}

function isWithin(path: string, within: string | undefined): boolean {
  if (within === undefined) return true;
  try {
    return realpathSync(path).startsWith(within + sep);
  } catch {
    return false;
  }
}

function readOrNull(path: string, within?: string): Buffer | null {
  if (!isWithin(path, within)) return null;
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

interface Trust {
  /** Fingerprints of the trusted keys. */
  fingerprints: Set<string>;
  /** What the user's trust came from, for the detail line. */
  source: string;
  /** Set when a trust source the user named could not be read. */
  problem: string | null;
}

function loadTrust(opts: VerifyReportOptions): Trust {
  const explicit = opts.allowedSigners !== undefined || (opts.keys?.length ?? 0) > 0;
  const files = explicit
    ? opts.allowedSigners !== undefined
      ? [opts.allowedSigners]
      : []
    : [join(configDir(), ALLOWED_SIGNERS_FILE)];
  const fingerprints = new Set<string>(opts.keys ?? []);
  const sources = opts.keys?.length ? [`--key ${opts.keys.join(', ')}`] : [];
  let problem: string | null = null;
  for (const file of files) {
    sources.push(file);
    const text = readOrNull(file)?.toString('utf8');
    if (text === undefined) {
      problem = `cannot read the trusted signers file ${file}`;
      continue;
    }
    const keys = allowedKeysFor(parseAllowedSigners(text), SIGNER_IDENTITY, REPORT_NAMESPACE, opts.atSec);
    for (const k of keys) {
      const fp = keyFingerprint(k);
      if (fp) fingerprints.add(fp);
    }
  }
  return { fingerprints, source: sources.join(' and '), problem };
}

type SigEntry = Entry & { signer: string; good: boolean; trusted: boolean };

function checkSignature(
  file: string,
  content: Buffer | null,
  trust: Trust,
  within: string | undefined,
): SigEntry {
  const name = basename(file);
  const sigPath = `${file}${SIGNATURE_SUFFIX}`;
  const bad = (c: Coded, signer = ''): SigEntry => ({
    file: name,
    ok: false,
    ...c,
    signer,
    good: false,
    trusted: false,
  });
  if (content === null) return bad(coded('REPORT_NOT_FOUND', `${file} is missing`));
  const sig = readOrNull(sigPath, within);
  if (sig === null) return bad(coded('SIGNATURE_MISSING', `${sigPath} is missing`));
  const r = verifySshsig(content, sig.toString('utf8'), { namespace: REPORT_NAMESPACE });
  if (!r.ok) return bad({ code: r.code ?? 'SIGNATURE_INVALID', detail: r.detail }, r.publicKey);
  const fp = keyFingerprint(r.publicKey) ?? r.publicKey;
  if (!trust.fingerprints.has(fp)) {
    const why = trust.problem ?? `it is not among your trusted signers (${trust.source})`;
    return {
      file: name,
      ok: false,
      ...coded('UNTRUSTED_SIGNER', `good signature by ${fp} (${r.publicKey}), but ${why}`),
      signer: r.publicKey,
      good: true,
      trusted: false,
    };
  }
  return {
    file: name,
    ok: true,
    code: 'VERIFIED',
    detail: `good signature by ${fp}, trusted via ${trust.source}`,
    signer: r.publicKey,
    good: true,
    trusted: true,
  };
}

/** The .md must carry, once, the binding line the signed JSON implies (run, plan hash, ledger head). */
function checkBinding(md: Buffer | null, json: Buffer | null): VerifyResult['binding'] {
  if (md === null || json === null)
    return { ok: false, ...coded('REPORT_NOT_FOUND', 'both the .md and the .json are needed') };
  let pins: z.infer<typeof ReportPinsSchema>;
  try {
    const parsed = ReportPinsSchema.safeParse(JSON.parse(json.toString('utf8')));
    if (!parsed.success) return { ok: false, ...coded('REPORT_PARSE', 'the JSON names no run, plan or ledger') };
    pins = parsed.data;
  } catch {
    return { ok: false, ...coded('REPORT_PARSE', 'the JSON report does not parse') };
  }
  const want = bindingLine(pins.runId, pins.plan.hash, pins.ledger.head);
  const lines = md
    .toString('utf8')
    .split('\n')
    .map((l) => l.replace(/^- /, '').replace(/ +$/, ''))
    .filter((l) => l.startsWith(BINDING_PREFIX));
  if (lines.length === 1 && lines[0] === want)
    return { ok: true, code: 'VERIFIED', detail: `.md and .json name run ${pins.runId}, plan ${pins.plan.hash.slice(0, 12)}…, ledger head ${pins.ledger.head.slice(0, 12)}…` };
  return {
    ok: false,
    ...coded(
      'REPORT_MISMATCH',
      lines.length === 0
        ? 'the .md carries no binding line, so it cannot be tied to this .json and ledger'
        : `the .md is bound to another run (${lines.join(' / ')}); the .json says: ${want}`,
    ),
  };
}

type LedgerCheck = VerifyResult['ledger'] & { signerKey: string | null; reviews?: VerifyResult['reviews'] };

function checkLedger(
  dir: string,
  json: Buffer | null,
  within: string | undefined,
  reviews: { name: string; text: Buffer | null } = { name: '', text: null },
): LedgerCheck {
  const bad = (c: Coded): LedgerCheck & { signerKey: null } => ({
    ok: false,
    records: 0,
    firstBad: null,
    ...c,
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
  if (!isWithin(ledgerPath, within))
    return bad(coded('LEDGER_NOT_FOUND', `${file}: no ledger inside the report folder`));
  if (reviews.text !== null) {
    // Reviews after the run: the signed prefix, then exactly the addendum's review records.
    const buf = readOrNull(ledgerPath);
    if (buf === null) return bad(coded('LEDGER_NOT_FOUND', `${file}: no ledger at ${ledgerPath}`));
    const r = checkReviewedLedger(
      buf,
      { runId: pins.data.runId, reportName: reviews.name, reportSha256: sha256(json), file, records, head },
      reviews.text,
    );
    const code = r.ok ? 'VERIFIED' : (r.code ?? 'REVIEW_MISMATCH');
    return {
      ok: r.ok,
      records: r.records,
      firstBad: r.firstBad,
      code,
      detail: `${file}: ${r.detail}`,
      signerKey: pins.data.signer.openssh,
      reviews: { ok: r.ok, code, detail: r.detail, list: r.list },
    };
  }
  const v = verifyLedger(ledgerPath, { head, records });
  const failure = pins.data.ledger.failure;
  if (v.code === 'LEDGER_TORN' && failure && tornTailOnly(ledgerPath, head, records)) {
    return {
      ok: true,
      records: v.records,
      firstBad: null,
      code: 'VERIFIED',
      detail: `${file}: ${records} records chain to the signed head; the torn tail after them is the write failure the signed report declares (${failure})`,
      signerKey: pins.data.signer.openssh,
    };
  }
  // Records past the signed head with no signed addendum to account for them.
  if (!v.ok && v.records > records && v.firstBad === records + 1 && verifyLedger(ledgerPath).ok)
    return {
      ...bad(
        coded(
          'REVIEW_MISMATCH',
          `${file}: ${v.records - records} record(s) after the signed head, and no signed review addendum holds them`,
        ),
      ),
      records: v.records,
      firstBad: records + 1,
    };
  return {
    ok: v.ok,
    records: v.records,
    firstBad: v.firstBad,
    code: v.ok ? 'VERIFIED' : (v.code ?? 'LEDGER_PARSE'),
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

const failed = (c: Coded): VerifyResult => ({
  ok: false,
  code: c.code,
  signatures: [],
  ledger: { ok: false, records: 0, firstBad: null, ...c },
  trust: 'invalid',
  signer: null,
  binding: { ok: false, ...c },
});

export function verifyReport(reportPath: string, opts: VerifyReportOptions = {}): VerifyResult {
  try {
    return verifyReportUnsafe(reportPath, opts);
  } catch (err) {
    return failed(coded('INTERNAL', errText(err)));
  }
}

function verifyReportUnsafe(reportPath: string, opts: VerifyReportOptions): VerifyResult {
  const files = reportFiles(reportPath);
  if (!files) return failed(coded('REPORT_NOT_FOUND', `${reportPath} is not a .md or .json report path`));
  const md = readOrNull(files.md, opts.within);
  const json = readOrNull(files.json, opts.within);
  const trust = loadTrust(opts);
  const addendumPath = reviewsPath(files.json);
  const addendum = readOrNull(addendumPath, opts.within);
  const sigs = [
    checkSignature(files.md, md, trust, opts.within),
    checkSignature(files.json, json, trust, opts.within),
    ...(addendum !== null ? [checkSignature(addendumPath, addendum, trust, opts.within)] : []),
  ];
  const { signerKey, reviews, ...ledger } = checkLedger(files.dir, json, opts.within, {
    name: basename(files.json),
    text: addendum,
  });
  let binding = checkBinding(md, json);
  // --- HTML report (issue 15): signature and binding checked when the .html exists.
  const htmlFile = htmlPathFor(files.md);
  const html = readOrNull(htmlFile, opts.within);
  if (html !== null) {
    sigs.push(checkSignature(htmlFile, html, trust, opts.within));
    const problem = htmlBindingProblem(html, json);
    if (problem && binding.ok) binding = { ok: false, ...problem };
    else if (problem) binding = { ...binding, detail: `${binding.detail}; ${problem.detail}` };
    else if (binding.ok) binding = { ...binding, detail: `${binding.detail}; the .html names the same` };
  }
  // --- end HTML report

  // The signed JSON names its signer; a signature by any other key is a mismatch, trusted or not.
  const named = signerKey ? openSshKeyId(signerKey) : null;
  const checked = sigs.map((e) =>
    e.good && named !== null && openSshKeyId(e.signer) !== named
      ? {
          ...e,
          ok: false,
          good: false,
          ...coded('SIGNATURE_INVALID', `signed by ${e.signer}, but the report names ${signerKey} as its signer`),
        }
      : e,
  );
  const intact = checked.every((e) => e.good) && ledger.ok && binding.ok;
  const trustLevel: TrustLevel = !intact ? 'invalid' : checked.every((e) => e.trusted) ? 'trusted' : 'untrusted-signer';
  const signerKeyUsed = checked.find((e) => e.good)?.signer ?? null;
  const signatures = checked.map(({ file, ok, code, detail }) => ({ file, ok, code, detail }));
  return {
    ok: trustLevel === 'trusted',
    code: trustLevel === 'trusted' ? 'VERIFIED' : verifyCode(signatures, ledger, binding),
    signatures,
    ledger,
    trust: trustLevel,
    signer: signerKeyUsed ? keyFingerprint(signerKeyUsed) : null,
    binding,
    reviews: reviews ?? null,
  };
}
