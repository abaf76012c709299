/**
 * The review addendum: `<report>.reviews.json` (+ `.sig`) beside a signed report, holding every
 * review recorded after the run. Each review is also a hash-chained `review` record appended to the
 * run's ledger after `run.end`, so the ledger is the signed report's pinned prefix followed by
 * exactly the addendum's reviews, in order. The report and its signature are never rewritten.
 */
import { z } from 'zod';
import type { ReviewEntry } from '../model/api';
import { canonicalJson } from '../util/canonical-json';
import type { ErrorCode } from '../util/errors';
import { readLedgerBuffer, verifyLedgerBuffer } from '../evidence/ledger-read';
import { NEWLINE, sha256 } from '../evidence/ledger-format';

export const REVIEWS_SCHEMA = 'probe-lab/reviews/v1';
export const REVIEW_RECORD = 'review';
export const REVIEW_VERDICTS = ['expected', 'needs-work', 'false-alarm'] as const;
/** A note is a reviewer's sentence or paragraph, not a document: long text belongs in a file. */
export const NOTE_MAX_CHARS = 2000;
export const BY_MAX_CHARS = 64;

export const reviewsPath = (jsonPath: string): string => jsonPath.replace(/\.json$/, '.reviews.json');

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex');

/** What the ledger record's `data` holds. */
export const ReviewDataSchema = z
  .object({
    report: z.string().min(1).max(255),
    anomaly: z
      .string()
      .regex(/^A[1-9][0-9]{0,5}$/)
      .nullable(),
    verdict: z.enum(REVIEW_VERDICTS),
    note: z.string().min(1).max(NOTE_MAX_CHARS),
    by: z.string().min(1).max(BY_MAX_CHARS),
  })
  .strict();
export type ReviewData = z.infer<typeof ReviewDataSchema>;

const EntrySchema = ReviewDataSchema.extend({
  seq: z.number().int().positive(),
  at: z.number().int().nonnegative(),
  head: Hex64,
}).strict();

export const AddendumSchema = z
  .object({
    schema: z.literal(REVIEWS_SCHEMA),
    runId: z.string().min(1),
    /** The report's JSON file name and the SHA-256 of its bytes: the addendum is about that report only. */
    report: z.string().min(1),
    reportSha256: Hex64,
    ledger: z.object({ file: z.string().min(1), pinnedRecords: z.number().int().positive(), pinnedHead: Hex64 }).strict(),
    reviews: z.array(EntrySchema),
  })
  .strict();
export type Addendum = z.infer<typeof AddendumSchema>;

export const reviewData = (e: ReviewEntry | ReviewData): ReviewData => ({
  report: e.report,
  anomaly: e.anomaly,
  verdict: e.verdict,
  note: e.note,
  by: e.by,
});

export interface ReviewsCheck {
  ok: boolean;
  code: ErrorCode | null;
  detail: string;
  list: ReviewEntry[];
  /** Ledger lines checked, and the first that cannot be trusted. */
  records: number;
  firstBad: number | null;
}

/** Offset just past the n-th newline, or -1 when the buffer has fewer lines. */
function endOfLine(buf: Buffer, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = buf.indexOf(NEWLINE, at + 1);
    if (at < 0) return -1;
  }
  return at + 1;
}

/**
 * Checks the ledger against the report's pins and the addendum: lines 1..pinned chain to the
 * signed head, and the lines after it are exactly the addendum's reviews (type, data, time, head).
 */
export function checkReviewedLedger(
  ledger: Buffer,
  pins: { runId: string; reportName: string; reportSha256: string; file: string; records: number; head: string },
  addendumText: Buffer,
): ReviewsCheck {
  const fail = (code: ErrorCode, detail: string, firstBad: number | null = null, records = 0): ReviewsCheck => ({
    ok: false,
    code,
    detail: `${code}: ${detail}`,
    list: [],
    records,
    firstBad,
  });
  let add: Addendum;
  try {
    const parsed = AddendumSchema.safeParse(JSON.parse(addendumText.toString('utf8')));
    if (!parsed.success)
      return fail('REVIEW_MISMATCH', `review addendum: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    add = parsed.data;
  } catch {
    return fail('REVIEW_MISMATCH', 'the review addendum does not parse');
  }
  if (
    add.runId !== pins.runId ||
    add.report !== pins.reportName ||
    add.reportSha256 !== pins.reportSha256 ||
    add.ledger.file !== pins.file ||
    add.ledger.pinnedRecords !== pins.records ||
    add.ledger.pinnedHead !== pins.head
  )
    return fail('REVIEW_MISMATCH', 'the review addendum is about another report, run or ledger head');
  const total = pins.records + add.reviews.length;
  const last = add.reviews.at(-1)?.head ?? pins.head;
  const v = verifyLedgerBuffer(ledger, { records: total, head: last });
  if (!v.ok) {
    const line = v.firstBad ?? 0;
    const what =
      line > pins.records
        ? `review record at line ${line} (review ${line - pins.records} of the addendum's ${add.reviews.length})`
        : `evidence record at line ${line}, before the signed head`;
    return fail(v.code ?? 'LEDGER_CHAIN_BROKEN', `${what}: ${v.detail}`, v.firstBad, v.records);
  }
  // The whole chain verified to the addendum's last head; the pinned line must still be the one signed.
  const pinnedEnd = endOfLine(ledger, pins.records);
  const pinnedLine = ledger.subarray(endOfLine(ledger, pins.records - 1), pinnedEnd - 1);
  if (pinnedEnd < 0 || sha256(pinnedLine) !== pins.head)
    return fail('LEDGER_CHAIN_BROKEN', `line ${pins.records} is not the head the report signed`, pins.records, v.records);
  const after = readLedgerBuffer(ledger.subarray(pinnedEnd)).records;
  let start = pinnedEnd;
  for (const [i, rec] of after.entries()) {
    const e = add.reviews[i];
    const line = pins.records + i + 1;
    const end = ledger.indexOf(NEWLINE, start);
    const head = sha256(ledger.subarray(start, end));
    start = end + 1;
    const data = ReviewDataSchema.safeParse(rec.data);
    if (
      !e ||
      head !== e.head ||
      rec.type !== REVIEW_RECORD ||
      !data.success ||
      rec.seq !== e.seq ||
      rec.at !== e.at ||
      canonicalJson(data.data) !== canonicalJson(reviewData(e))
    )
      return fail(
        'REVIEW_MISMATCH',
        `ledger line ${line} (${rec.type}) is not review ${i + 1} of the signed addendum`,
        line,
        v.records,
      );
  }
  return {
    ok: true,
    code: null,
    detail: `${pins.records} records chain to the signed head, then ${add.reviews.length} signed review record(s) to ${last.slice(0, 12)}…`,
    list: add.reviews,
    records: v.records,
    firstBad: null,
  };
}
