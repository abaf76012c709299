/**
 * Reading a ledger back and verifying its hash chain, byte for byte: the first bad record is named
 * by its line, a torn last line is told apart from a corrupted one.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LabError, type ErrorCode } from '../util/errors';
import { canonicalJson } from '../util/canonical-json';
import {
  LEDGER_VERSION,
  NEWLINE,
  OPEN_RECORD,
  errText,
  genesisHash,
  recordLine,
  sha256,
  type LedgerRecord,
} from './ledger-format';
import { verifyLedgerStream } from './ledger-fast';

export const LedgerRecordSchema = z
  .object({
    seq: z.number().int().positive(),
    at: z.number().int().nonnegative(),
    type: z.string().min(1),
    prev: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex'),
    data: z.unknown(),
  })
  .strict()
  .refine((r) => r.data !== undefined, { message: 'data is required', path: ['data'] });

const OpenDataSchema = z.object({ runId: z.string().min(1), version: z.literal(LEDGER_VERSION) }).strict();

export interface LedgerProblem {
  /** 1-based line number. */
  line: number;
  code: ErrorCode;
  message: string;
}

export interface LedgerRead {
  records: LedgerRecord[];
  /** The bytes after the last newline, if any: a line the writer never finished. */
  torn: { bytes: number; text: string } | null;
  problems: LedgerProblem[];
}

interface RawLine {
  line: number;
  bytes: Buffer;
  record: LedgerRecord | null;
  problem: LedgerProblem | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const RECORD_KEYS = new Set(['seq', 'at', 'type', 'prev', 'data']);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The record shape of LedgerRecordSchema, checked by hand: this runs once per line of a ledger
 * that may hold hundreds of thousands, where the schema library's per-line cost dominated verify.
 */
function shapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '(record): expected an object';
  const r = v as Record<string, unknown>;
  for (const k in r) if (!RECORD_KEYS.has(k)) return `(record): unrecognized key "${k}"`;
  if (typeof r.seq !== 'number' || !Number.isInteger(r.seq) || r.seq <= 0)
    return 'seq: expected a positive integer';
  if (typeof r.at !== 'number' || !Number.isInteger(r.at) || r.at < 0)
    return 'at: expected a non-negative integer';
  if (typeof r.type !== 'string' || r.type.length === 0) return 'type: expected a non-empty string';
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return 'prev: sha256 hex';
  if (r.data === undefined) return 'data: data is required';
  return null;
}

/**
 * `canonical`: also check that the line is byte for byte what this module writes. Needed where
 * nothing later pins the line; redundant (and the costliest step) when a signed head pins the
 * whole chain, since then any changed byte already breaks a hash.
 */
function parseLine(bytes: Buffer, line: number, canonical = true): RawLine {
  const problem = (message: string): RawLine => ({
    line,
    bytes,
    record: null,
    problem: { line, code: 'LEDGER_PARSE', message },
  });
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    return problem(`not valid UTF-8 JSON: ${errText(err)}`);
  }
  const shape = shapeProblem(value);
  if (shape) return problem(shape);
  const record = value as LedgerRecord;
  if (canonical && !Buffer.from(recordLine(record, canonicalJson(record.data)), 'utf8').equals(bytes))
    return problem('line is not in canonical form (rewritten by hand or by another tool?)');
  return { line, bytes, record, problem: null };
}

function splitLines(buf: Buffer, canonical = true): { lines: RawLine[]; torn: LedgerRead['torn'] } {
  const lines: RawLine[] = [];
  let start = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, start)) {
    lines.push(parseLine(buf.subarray(start, i), lines.length + 1, canonical));
    start = i + 1;
  }
  const rest = buf.subarray(start);
  return { lines, torn: rest.length ? { bytes: rest.length, text: rest.toString('utf8') } : null };
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LabError('LEDGER_NOT_FOUND', `no ledger at ${path}`);
    throw err;
  }
}

/** Parses every complete line; a torn last line is reported, never dropped silently. */
export function readLedger(path: string): LedgerRead {
  return readLedgerBuffer(readBytes(path));
}

export function readLedgerBuffer(buf: Buffer): LedgerRead {
  const { lines, torn } = splitLines(buf);
  const problems = lines.flatMap((l) => (l.problem ? [l.problem] : []));
  if (torn)
    problems.push({
      line: lines.length + 1,
      code: 'LEDGER_TORN',
      message: `last line has no newline (${torn.bytes} bytes)`,
    });
  return { records: lines.flatMap((l) => (l.record ? [l.record] : [])), torn, problems };
}

// ---- verification ----

export interface LedgerExpect {
  /** The head a report signed: sha256 of line `records`. */
  head?: string;
  records?: number;
}

export interface LedgerVerify {
  ok: boolean;
  /** Complete lines in the file. */
  records: number;
  /** 1-based line of the first line that cannot be trusted; null when ok. */
  firstBad: number | null;
  detail: string;
  /** Lines 1..goodLines form an intact chain from the genesis. */
  goodLines: number;
  /** sha256 of line goodLines (the genesis hash when 0), and the run id from line 1 if readable. */
  goodHead: string | null;
  runId: string | null;
  code: ErrorCode | null;
}

/**
 * Checks JSON, schema, canonical form, seq continuity, the open record and the hash chain, then
 * the expected head and count. When the link from line k to k+1 breaks, line k is blamed if line
 * k+1's own bytes still chain onward (so k was altered), else line k+1 (its prev was altered).
 */
export function verifyLedger(path: string, expect: LedgerExpect = {}): LedgerVerify {
  // Against a signed head, first the streamed pass that hashes raw bytes and reads only the chain's
  // fields; it can only confirm. Anything it does not confirm is verified again below, in full.
  if (expect.head !== undefined) {
    const fast = verifyLedgerStream(path, { head: expect.head, records: expect.records }, (line1) =>
      openRecordRunId(parseLine(line1, 1, false).record),
    );
    if (fast)
      return {
        ok: true,
        records: fast.records,
        firstBad: null,
        detail: `${fast.records} records chain from the genesis of run ${fast.runId}, head matches`,
        goodLines: fast.records,
        goodHead: fast.head,
        runId: fast.runId,
        code: null,
      };
  }
  let buf: Buffer;
  try {
    buf = readBytes(path);
  } catch (err) {
    const code: ErrorCode = err instanceof LabError ? err.code : 'LEDGER_PARSE';
    return {
      ok: false,
      records: 0,
      firstBad: null,
      detail: `${code}: ${errText(err)}`,
      goodLines: 0,
      goodHead: null,
      runId: null,
      code,
    };
  }
  return verifyLedgerBuffer(buf, expect);
}

interface BadLine {
  line: number;
  code: ErrorCode;
  message: string;
}

export function verifyLedgerBuffer(buf: Buffer, expect: LedgerExpect = {}): LedgerVerify {
  // With a signed head every byte is pinned by the chain: verify fast, and only if something is
  // wrong go again with the canonical-form check, so the problem is named as precisely as ever.
  if (expect.head !== undefined) {
    const fast = verifyLines(splitLines(buf, false), expect);
    if (fast.ok) return fast;
  }
  return verifyLines(splitLines(buf, true), expect);
}

function verifyLines(
  { lines, torn }: { lines: RawLine[]; torn: LedgerRead['torn'] },
  expect: LedgerExpect,
): LedgerVerify {
  const hashes = lines.map((l) => sha256(l.bytes));
  const runId = openRecordRunId(lines[0]?.record);
  const bad =
    firstChainProblem(lines, hashes, runId, expect) ?? expectationProblem(lines.length, hashes, torn, expect);
  const goodLines = bad ? Math.min(bad.line - 1, lines.length) : lines.length;
  const headNote =
    expect.head !== undefined ? ', head matches' : ' (no expected head given: the last line is unpinned)';
  return {
    ok: bad === null,
    records: lines.length,
    firstBad: bad ? bad.line : null,
    detail: bad
      ? `${bad.code}: line ${bad.line}: ${bad.message}`
      : `${lines.length} records chain from the genesis of run ${runId}${headNote}`,
    goodLines,
    goodHead: goodLines === 0 ? (runId ? genesisHash(runId) : null) : (hashes[goodLines - 1] ?? null),
    runId,
    code: bad ? bad.code : null,
  };
}

function openRecordRunId(first: LedgerRecord | null | undefined): string | null {
  if (first?.type !== OPEN_RECORD) return null;
  const data = OpenDataSchema.safeParse(first.data);
  return data.success ? data.data.runId : null;
}

/** The first line that is malformed, out of sequence or off the chain, walking from line 1. */
function firstChainProblem(
  lines: RawLine[],
  hashes: string[],
  runId: string | null,
  expect: LedgerExpect,
): BadLine | null {
  // Does the prev of line i (1-based) match the line before it (or the genesis)?
  const linkOk = (i: number): boolean | null => {
    const rec = lines[i - 1]?.record;
    if (!rec) return null;
    if (i === 1) return runId !== null && rec.prev === genesisHash(runId);
    return rec.prev === hashes[i - 2];
  };
  // Does what follows line i (the next prev, or the expected head) match line i's hash?
  const outOk = (i: number): boolean | null => {
    if (i < lines.length) return linkOk(i + 1);
    if (expect.head !== undefined && (expect.records === undefined || expect.records === i))
      return hashes[i - 1] === expect.head;
    return null;
  };

  for (const { line: i, record: rec, problem } of lines) {
    if (problem || !rec) return problem ?? { line: i, code: 'LEDGER_PARSE', message: 'unreadable line' };
    if (rec.seq !== i) return { line: i, code: 'LEDGER_PARSE', message: `seq is ${rec.seq}, expected ${i}` };
    if (i === 1 && runId === null)
      return { line: 1, code: 'LEDGER_PARSE', message: `line 1 is not a valid ${OPEN_RECORD} record` };
    if (i > 1 && rec.type === OPEN_RECORD)
      return { line: i, code: 'LEDGER_PARSE', message: `${OPEN_RECORD} record after line 1` };
    if (linkOk(i)) continue;
    if (i === 1)
      return {
        line: 1,
        code: 'LEDGER_CHAIN_BROKEN',
        message: `prev is not the genesis hash of run ${runId}`,
      };
    // Line i's prev no longer matches line i-1. If line i itself still chains onward, its bytes are
    // original and line i-1 changed; if it does not, line i changed (its prev included). With
    // nothing after line i to tell, the likelier single change is to line i-1's content.
    if (outOk(i) === false) {
      return {
        line: i,
        code: 'LEDGER_CHAIN_BROKEN',
        message: `prev does not match line ${i - 1}, and line ${i} does not chain onward either`,
      };
    }
    return {
      line: i - 1,
      code: 'LEDGER_CHAIN_BROKEN',
      message: `does not match the hash line ${i} recorded for it`,
    };
  }
  return null;
}

/** Problems with the file as a whole once every line chains: torn tail, count and head. */
function expectationProblem(
  count: number,
  hashes: string[],
  torn: LedgerRead['torn'],
  expect: LedgerExpect,
): BadLine | null {
  if (torn)
    return {
      line: count + 1,
      code: 'LEDGER_TORN',
      message: `torn last line (${torn.bytes} bytes, no newline)`,
    };
  if (count === 0) return { line: 1, code: 'LEDGER_PARSE', message: 'ledger is empty' };
  if (expect.records !== undefined && expect.records < count)
    return {
      line: expect.records + 1,
      code: 'LEDGER_CHAIN_BROKEN',
      message: `expected ${expect.records} records, found ${count}: lines were added`,
    };
  if (expect.records !== undefined && expect.records > count)
    return {
      line: count + 1,
      code: 'LEDGER_CHAIN_BROKEN',
      message: `expected ${expect.records} records, found ${count}: lines are missing`,
    };
  if (expect.head !== undefined && hashes[count - 1] !== expect.head)
    return {
      line: count,
      code: 'LEDGER_CHAIN_BROKEN',
      message: `head is ${hashes[count - 1]}, expected ${expect.head}`,
    };
  return null;
}
