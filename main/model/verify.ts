/**
 * The answer of report verification. Every part carries a `code`: 'VERIFIED' when it checks out,
 * else the LabError code of the first thing wrong, so the CLI, History and CI branch on the code
 * and the detail stays prose for people.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../util/errors';

export const VerifyCodeSchema = z.enum(['VERIFIED', ...ERROR_CODES]);
export type VerifyCode = z.infer<typeof VerifyCodeSchema>;

export const VerifyEntrySchema = z.object({
  file: z.string(),
  ok: z.boolean(),
  code: VerifyCodeSchema,
  detail: z.string(),
});
export type VerifyEntry = z.infer<typeof VerifyEntrySchema>;

export const VerifyLedgerSchema = z.object({
  ok: z.boolean(),
  records: z.number(),
  firstBad: z.number().nullable(),
  code: VerifyCodeSchema,
  detail: z.string(),
});
export type VerifyLedger = z.infer<typeof VerifyLedgerSchema>;

/** A good signature by a key the user does not trust is `untrusted-signer`, never `trusted`. */
export const TrustLevelSchema = z.enum(['trusted', 'untrusted-signer', 'invalid']);
export type TrustLevel = z.infer<typeof TrustLevelSchema>;

export const ReviewVerdictSchema = z.enum(['expected', 'needs-work', 'false-alarm']);
export type ReviewVerdict = z.infer<typeof ReviewVerdictSchema>;

/** One review of a run or of one anomaly (seed 000 §5), as the ledger and the addendum hold it. */
export const ReviewEntrySchema = z.object({
  /** The report's JSON file name the review is about. */
  report: z.string(),
  /** `A1`, `A2`, ...: the anomaly reviewed; null for the run as a whole. */
  anomaly: z.string().nullable(),
  verdict: ReviewVerdictSchema,
  note: z.string(),
  by: z.string(),
  /** Its ledger record: seq, time, and the ledger head after it. */
  seq: z.number(),
  at: z.number(),
  head: z.string(),
});
export type ReviewEntry = z.infer<typeof ReviewEntrySchema>;

export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  /** 'VERIFIED', or the code of the first failing signature, else of the ledger. */
  code: VerifyCodeSchema,
  signatures: z.array(VerifyEntrySchema),
  ledger: VerifyLedgerSchema,
  trust: TrustLevelSchema,
  /** `SHA256:...` of the key that signed both documents, when they verify cryptographically. */
  signer: z.string().nullable(),
  /** The .md, the .json and the ledger name the same run id, plan hash and ledger head. */
  binding: z.object({ ok: z.boolean(), code: VerifyCodeSchema, detail: z.string() }),
  /**
   * The review addendum beside the report, when there is one: its reviews are exactly the ledger's
   * records after the signed head. Null or absent when no review was recorded.
   */
  reviews: z
    .object({ ok: z.boolean(), code: VerifyCodeSchema, detail: z.string(), list: z.array(ReviewEntrySchema) })
    .nullable()
    .optional(),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

/** The overall code from the parts: the first failing signature, else the ledger, else the binding. */
export function verifyCode(
  signatures: VerifyEntry[],
  ledger: VerifyLedger,
  binding: { ok: boolean; code: VerifyCode },
): VerifyCode {
  const bad = signatures.find((s) => !s.ok)?.code ?? (!ledger.ok ? ledger.code : null);
  return bad ?? (binding.ok ? 'VERIFIED' : binding.code);
}

/** Codes meaning a file or signature is absent, not wrong (History shows "missing"). */
export const MISSING_CODES: ReadonlySet<VerifyCode> = new Set(['SIGNATURE_MISSING', 'REPORT_NOT_FOUND']);
