/**
 * The ledger's line format, shared by the writer (ledger.ts), the reader (ledger-read.ts) and
 * recovery (ledger-interrupted.ts).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical-json';

export const LEDGER_VERSION = 1;
export const LEDGER_FILE_NAME = 'ledger.jsonl';
export const OPEN_RECORD = 'ledger.open';
export const END_RECORD = 'run.end';
export const NEWLINE = 0x0a;

export interface LedgerRecord {
  seq: number;
  at: number;
  type: string;
  prev: string;
  data: unknown;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The `prev` of record 1: binds the chain to its run, so two runs' ledgers cannot be spliced. */
export const genesisHash = (runId: string): string => sha256(`probe-lab-ledger:v${LEDGER_VERSION}:${runId}`);

export { canonicalJson };

/** One record as its line bytes, without the trailing newline. */
export function recordLine(r: Omit<LedgerRecord, 'data'>, dataJson: string): string {
  return `{"seq":${r.seq},"at":${canonicalJson(r.at)},"type":${JSON.stringify(r.type)},"prev":${JSON.stringify(r.prev)},"data":${dataJson}}`;
}

// ---- writing ----

export const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
