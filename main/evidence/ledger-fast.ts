/**
 * The fast path of ledger verification against a signed head: the file is streamed in chunks, each
 * line's raw bytes are hashed, and only the fixed header the chain check needs (seq, at, type, prev)
 * is read from the bytes; `data` is never parsed. That is sound only because a signed head pins
 * every byte: a line that chains to it is byte for byte the line the signer's ledger wrote.
 *
 * It can only say "intact". On anything unusual (a line not in the writer's exact header form, a
 * broken link, a torn tail, a count or head mismatch) it returns null and the caller verifies again
 * the thorough way (ledger-read.ts), which names the first bad line exactly as before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { hash } from 'node:crypto';
import { NEWLINE, OPEN_RECORD, genesisHash } from './ledger-format';

/**
 * 8 MiB per read: large enough that syscalls cost nothing per line, small enough that a 24 h ledger
 * (~160 MB) is never held in memory at once.
 */
const CHUNK_BYTES = 8 * 1024 * 1024;

export interface FastVerifyOk {
  records: number;
  runId: string;
  head: string;
}

const SEQ = Buffer.from('{"seq":');
const AT = Buffer.from(',"at":');
const TYPE = Buffer.from(',"type":"');
const PREV = Buffer.from('","prev":"');
const DATA = Buffer.from('","data":');
const HEX_LEN = 64;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;

interface Header {
  seq: number;
  type: string;
  prev: string;
}

function startsAt(buf: Buffer, at: number, lit: Buffer): boolean {
  if (at + lit.length > buf.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[at + i] !== lit[i]) return false;
  return true;
}

/** Index after a run of decimal digits (no leading zero unless the number is 0), or -1. */
function digitsEnd(buf: Buffer, at: number): number {
  let i = at;
  while (i < buf.length && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39) i++;
  if (i === at || (buf[at] === 0x30 && i - at > 1)) return -1;
  return i;
}

/** The header of a line exactly as recordLine() writes it, or null for any other form. */
function header(line: Buffer): Header | null {
  if (!startsAt(line, 0, SEQ) || line[line.length - 1] !== CLOSE_BRACE) return null;
  let i = SEQ.length;
  const seqEnd = digitsEnd(line, i);
  if (seqEnd < 0) return null;
  const seq = Number(line.toString('latin1', i, seqEnd));
  if (!startsAt(line, seqEnd, AT)) return null;
  const atEnd = digitsEnd(line, seqEnd + AT.length);
  if (atEnd < 0 || !startsAt(line, atEnd, TYPE)) return null;
  i = atEnd + TYPE.length;
  const typeStart = i;
  // Plain printable ASCII only; an escape or a non-ASCII byte sends the line to the thorough path.
  while (i < line.length && line[i] !== QUOTE) {
    const b = line[i] as number;
    if (b < 0x20 || b > 0x7e || b === 0x5c) return null;
    i++;
  }
  if (i === typeStart) return null;
  const type = line.toString('latin1', typeStart, i);
  if (!startsAt(line, i, PREV)) return null;
  i += PREV.length;
  const prev = line.toString('latin1', i, i + HEX_LEN);
  if (!/^[0-9a-f]{64}$/.test(prev)) return null;
  if (!startsAt(line, i + HEX_LEN, DATA) || i + HEX_LEN + DATA.length >= line.length - 1) return null;
  return { seq, type, prev };
}

/**
 * Streams the ledger at `path` and returns its summary when every line is in the writer's form,
 * chains from the genesis of the run `openRunId` reads from line 1, there is no torn tail, and the
 * last line is `expect.head` after `expect.records` lines (when given). Otherwise null.
 */
export function verifyLedgerStream(
  path: string,
  expect: { head: string; records?: number },
  openRunId: (line1: Buffer) => string | null,
): FastVerifyOk | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    let n = 0;
    let runId: string | null = null;
    let last = '';
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow it rather than split the line.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const got = readSync(fd, buf, filled, buf.length - filled, null);
      if (got === 0) break;
      filled += got;
      const view = buf.subarray(0, filled);
      let start = 0;
      for (let nl = view.indexOf(NEWLINE); nl !== -1; nl = view.indexOf(NEWLINE, start)) {
        const line = view.subarray(start, nl);
        start = nl + 1;
        n++;
        const h = header(line);
        if (h === null || h.seq !== n) return null;
        if (n === 1) {
          runId = h.type === OPEN_RECORD ? openRunId(line) : null;
          if (runId === null || h.prev !== genesisHash(runId)) return null;
        } else if (h.type === OPEN_RECORD || h.prev !== last) return null;
        last = hash('sha256', line, 'hex');
      }
      buf.copyWithin(0, start, filled);
      filled -= start;
    }
    // A torn tail, an empty file, or a count or head the report did not sign.
    if (filled > 0 || n === 0 || runId === null) return null;
    if (expect.records !== undefined && expect.records !== n) return null;
    if (last !== expect.head) return null;
    return { records: n, runId, head: last };
  } finally {
    closeSync(fd);
  }
}
