import { z } from 'zod';

/**
 * Every error that crosses a boundary carries a stable code. Codes are part of the public surface
 * (CLI output, IPC replies, reports): never rename one, only add.
 */
export const ErrorCodes = {
  PLAN_INVALID: 'Plan failed schema validation',
  PLAN_NOT_FOUND: 'No plan with that id or path',
  PLAN_PARSE: 'Plan file is not valid JSON or YAML',
  PLAN_ENV_REFUSED:
    'Plan sets an environment variable that changes what an executable loads, or one Probe Lab reserves',
  CONFIRM_MISMATCH: 'Typed confirmation does not match the plan id',
  CONFIRM_INVALID: 'Confirmation object is missing, forged, reused or for another plan',
  EXEC_NOT_ALLOWED: 'Executable is not on the plan allowlist',
  EXEC_NOT_FOUND: 'Executable could not be resolved on disk',
  TARGET_BUSY: 'A target or report folder is already in use by a running probe',
  SPAWN_FAILED: 'Target process could not be started',
  AGENT_OUTPUT_MALFORMED: 'Agent emitted a malformed @lab protocol line',
  LEDGER_WRITE_FAILED: 'Ledger record could not be written durably',
  LEDGER_TORN: 'Ledger ends in a torn (partial) line',
  LEDGER_CHAIN_BROKEN: 'Ledger hash chain does not verify',
  LEDGER_PARSE: 'Ledger record is not valid',
  REPORT_NOT_FOUND: 'Report file not found',
  REPORT_PARSE: 'Report file is not a valid Probe Lab report',
  SIGNATURE_INVALID: 'Signature does not verify',
  SIGNATURE_MISSING: 'Signature file is missing',
  SIGNATURE_PARSE: 'Signature file is not a valid SSHSIG armour',
  QMP_PROTOCOL: 'QMP reply was malformed or unexpected',
  QMP_TIMEOUT: 'QMP command did not answer in time',
  KERNEL_NOT_READY: 'Lab kernel did not print its ready marker in time',
  KERNEL_NOT_REGISTERED: 'A plan asked for the registered lab kernel and Settings names none',
  KERNEL_SETUP_FAILED: 'Lab kernel setup could not complete',
  IPC_INVALID: 'IPC message failed schema validation',
  IPC_UNTRUSTED_SENDER: 'IPC message came from an untrusted frame',
  AUTH_REQUIRED: 'Missing or wrong access token',
  RUN_NOT_FOUND: 'No run with that id',
  RESULTS_INVALID: 'Results file failed schema validation',
  RESULTS_NOT_FOUND: 'The report has no results document beside it (written before results were exported)',
  THRESHOLD_EXPR_INVALID: 'Threshold expression could not be parsed',
  USAGE: 'Command-line usage error',
  INTERNAL: 'Unexpected internal error',
  SIGNING_KEY_INSECURE: 'Signing key file is readable or writable by group or others',
  SIGNING_KEY_INVALID: 'Signing key file is not an Ed25519 PKCS8 private key',
  LEDGER_NOT_FOUND: 'Ledger file not found',
  QMP_COMMAND_FAILED: 'QEMU answered a QMP command with an error',
  KERNEL_SHELL_TIMEOUT: 'Lab kernel serial shell did not answer in time',
  KERNEL_DEVICE_MISSING: 'Lab kernel has no such device for this fault',
  STRESSTEST_PARSE: 'Stresstest output could not be parsed',
  METRIC_NOT_FOUND: 'A threshold names a metric the results do not have',
  HOST_FRAME_INVALID: 'Engine host frame is not valid JSON or fails its schema',
  HOST_FRAME_TOO_LARGE: 'An engine host answer is longer than the pipe between the processes carries',
  HOST_EXITED: 'Engine host process exited; the call could not be answered',
  HOST_START_FAILED: 'Engine host process could not be started',
  UNTRUSTED_SIGNER: 'Good signature, but by a key the user does not trust',
  REPORT_MISMATCH: 'The .md, .json and ledger of a report name different runs',
  CONTAINMENT_INVALID: 'PROBE_LAB_CONTAINMENT names no containment mode',
  PLAN_ENV_RESERVED: 'Plan env sets a variable Probe Lab sets itself (PROBE_LAB_*)',
  REVIEW_INVALID: 'A review names no anomaly of the report, or its verdict or note is not valid',
  REVIEW_MISMATCH: "The ledger's review records and the signed review addendum differ",
  AUDIT_UNREADABLE: 'An audit input could not be read or holds nothing to audit',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;
export const ERROR_CODES = Object.keys(ErrorCodes) as [ErrorCode, ...ErrorCode[]];

/** One problem of many, for parsers that report more than one (schema paths included). */
export const IssueSchema = z.object({ path: z.string(), code: z.string(), message: z.string() });

/**
 * The coded error on the wire. The code is a string there: the renderer adds transport codes of
 * its own (NETWORK, HTTP_<status>); inside the engine it is always an ErrorCode (see Result).
 */
export const CodedErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  issues: z.array(IssueSchema).optional(),
});

export type CodedError<Code extends string = ErrorCode> = Omit<z.infer<typeof CodedErrorSchema>, 'code'> & {
  code: Code;
};

/**
 * The one reply envelope: every engine call (Result) and every contract reply (Reply in
 * main/model) has this shape, so a Result crosses the contract unchanged.
 */
export type Envelope<T, Code extends string = string> =
  { ok: true; value: T } | { ok: false; error: CodedError<Code> };

/** The envelope around a value schema; parses a reply body before it is trusted. */
export function envelopeSchema<S extends z.ZodTypeAny>(value: S) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: CodedErrorSchema }),
  ]);
}

export class LabError extends Error {
  readonly code: ErrorCode;
  readonly issues: CodedError['issues'];
  constructor(code: ErrorCode, message: string, issues?: CodedError['issues']) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.issues = issues;
  }
  toJSON(): CodedError {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}

export type Result<T> = Envelope<T, ErrorCode>;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(
  code: ErrorCode,
  message: string,
  issues?: CodedError['issues'],
): Result<T> => ({
  ok: false,
  error: issues ? { code, message, issues } : { code, message },
});

/** Turns anything thrown into a coded error without losing its message. */
export function toCodedError(err: unknown): CodedError {
  if (err instanceof LabError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
