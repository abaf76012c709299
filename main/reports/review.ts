/**
 * Recording a review (seed 000 §5: "update to probe log"): appended to the run's ledger as its own
 * hash-chained `review` record after `run.end`, then signed into the review addendum beside the
 * report with the report's key. Refused unless the report, its ledger and any earlier reviews
 * verify as trusted now: a review must never be signed over evidence that no longer holds.
 *
 * Order: the ledger record first (durable), then the addendum's signature and the addendum, each
 * atomically. A crash between them leaves a review in the ledger the addendum does not hold; verify
 * then names that line (REVIEW_MISMATCH) and nothing is repaired silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReviewEntry, VerifyResult } from '../model/api';
import { Ledger } from '../evidence/ledger';
import { sha256 } from '../evidence/ledger-format';
import { acquireFolderLock, readLock } from '../safety/run-lock';
import { writeFileAtomic } from '../util/atomic-file';
import { ErrorCodes, LabError, type ErrorCode } from '../util/errors';
import { REPORT_NAMESPACE, loadOrCreateSigningKey } from './keys';
import { openSshKeyId, signSshsig } from './sshsig';
import { reportFiles, verifyReport, SIGNATURE_SUFFIX, type VerifyReportOptions } from './verify';
import {
  AddendumSchema,
  REVIEWS_SCHEMA,
  REVIEW_RECORD,
  ReviewDataSchema,
  reviewsPath,
  type Addendum,
} from './review-addendum';
import { anomalyId } from './anomaly-context';

export interface ReviewRequest {
  anomaly: string | null;
  verdict: string;
  note: string;
  by: string;
}

export interface RecordedReview {
  review: ReviewEntry;
  addendum: string;
  ledger: string;
  verification: VerifyResult;
}

interface ReportDoc {
  runId: string;
  anomalies: unknown[];
  ledger: { file: string; records: number; head: string };
  signer: { openssh: string };
}

/** The coded error of the first failing check, so a refusal says what is wrong, not just "no". */
function refusal(v: VerifyResult): LabError {
  const details = [
    ...v.signatures.filter((s) => !s.ok).map((s) => `${s.file}: ${s.detail}`),
    ...(v.ledger.ok ? [] : [`ledger: ${v.ledger.detail}`]),
    ...(v.binding.ok ? [] : [`binding: ${v.binding.detail}`]),
  ];
  const first = details[0] ?? 'the report does not verify';
  const m = /: ([A-Z_]+): /.exec(first);
  const code: ErrorCode = m?.[1] && m[1] in ErrorCodes ? (m[1] as ErrorCode) : 'SIGNATURE_INVALID';
  return new LabError(code, `will not record a review on a report that does not verify: ${details.join('; ')}`);
}

export function recordReview(
  reportPath: string,
  req: ReviewRequest,
  opts: VerifyReportOptions & { now?: () => number } = {},
): RecordedReview {
  const files = reportFiles(reportPath);
  if (!files) throw new LabError('REPORT_NOT_FOUND', `${reportPath} is not a .md or .json report path`);
  let doc: ReportDoc;
  let jsonBytes: Buffer;
  try {
    jsonBytes = fs.readFileSync(files.json);
    doc = JSON.parse(jsonBytes.toString('utf8')) as ReportDoc;
  } catch {
    throw new LabError('REPORT_NOT_FOUND', `${files.json}: no readable report`);
  }
  const reportName = path.basename(files.json);
  const data = ReviewDataSchema.safeParse({ report: reportName, ...req });
  if (!data.success)
    throw new LabError(
      'REVIEW_INVALID',
      data.error.issues.map((i) => `${i.path.join('.') || 'review'}: ${i.message}`).join('; '),
    );
  const ids = (Array.isArray(doc.anomalies) ? doc.anomalies : []).map((_, i) => anomalyId(i));
  if (data.data.anomaly !== null && !ids.includes(data.data.anomaly))
    throw new LabError(
      'REVIEW_INVALID',
      `the report has no anomaly ${data.data.anomaly}; ${ids.length ? `its anomalies are ${ids.join(', ')}` : 'it has none'} (without --anomaly the review covers the run)`,
    );
  const key = loadOrCreateSigningKey();
  if (openSshKeyId(key.openssh) !== openSshKeyId(doc.signer?.openssh ?? ''))
    throw new LabError(
      'UNTRUSTED_SIGNER',
      'this report was signed by another key; its reviews must be signed with the key that signed it',
    );
  const held = readLock(files.dir);
  if (held?.runId === doc.runId && pidAlive(held.pid))
    throw new LabError('TARGET_BUSY', `run ${doc.runId} is still live (pid ${held.pid}); review it once it has ended`);
  const ledgerPath = path.join(files.dir, String(doc.ledger?.file));
  // Checked before the lock is taken beside it: a forged ledger.file must not place a lock file
  // anywhere (verify refuses it too, but only once the lock is held).
  const rel = path.relative(files.dir, ledgerPath);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new LabError('REPORT_PARSE', 'ledger.file must stay inside the report folder');
  // One reviewer at a time per ledger: two appenders would fork the chain.
  const lock = acquireFolderLock(path.dirname(ledgerPath), `review-${process.pid}`);
  try {
    const before = verifyReport(files.md, opts);
    if (!before.ok) throw refusal(before);
    const addPath = reviewsPath(files.json);
    const addendum: Addendum = fs.existsSync(addPath)
      ? AddendumSchema.parse(JSON.parse(fs.readFileSync(addPath, 'utf8')))
      : {
          schema: REVIEWS_SCHEMA,
          runId: doc.runId,
          report: reportName,
          reportSha256: sha256(jsonBytes),
          ledger: { file: doc.ledger.file, pinnedRecords: doc.ledger.records, pinnedHead: doc.ledger.head },
          reviews: [],
        };
    const ledger = Ledger.openForAppend(ledgerPath, opts.now ? { now: opts.now } : {});
    let review: ReviewEntry;
    try {
      const rec = ledger.append(REVIEW_RECORD, data.data, { durable: true });
      review = { ...data.data, seq: rec.seq, at: rec.at, head: ledger.head() };
    } finally {
      ledger.close();
    }
    addendum.reviews.push(review);
    const text = `${JSON.stringify(addendum, null, 2)}\n`;
    writeFileAtomic(`${addPath}${SIGNATURE_SUFFIX}`, signSshsig(Buffer.from(text), key.privateKey, REPORT_NAMESPACE));
    writeFileAtomic(addPath, text);
    return { review, addendum: addPath, ledger: ledgerPath, verification: verifyReport(files.md, opts) };
  } finally {
    lock.release();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
