/**
 * Seed 003 task 3: ledger write faults (disk full, I/O error, short write, failed sync, a read-only
 * error) injected through the LedgerFile seam on real files, and a real disk-full on a tiny tmpfs.
 * Each fault is detected, each retry is visible (in the ledger as its own record and in the faults
 * log), a fault that will not clear fails the ledger closed with LEDGER_WRITE_FAILED, and verify
 * tells the consistent ledger from the truncated or corrupted one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLedger, verifyLedger } from '../../main/evidence/ledger-read';
import type { Ledger } from '../../main/evidence/ledger';
import {
  FAULT_LOG_SUFFIX,
  RETRY_RECORD,
  faultInjectingFile,
  openRetryingLedger,
  type InjectedFault,
  type WriteAttempt,
} from '../../main/evidence/ledger-retry';
import { LabError } from '../../main/util/errors';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'break-ledger-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type Step = 'ok' | InjectedFault;
/** A script of faults, one entry per write call, then clean writes. */
const scriptedFile = (script: Step[], syncFault?: string) =>
  faultInjectingFile({
    writes: new Map(script.flatMap((s, i): [number, InjectedFault][] => (s === 'ok' ? [] : [[i + 1, s]]))),
    ...(syncFault ? { syncFault } : {}),
  });

const noSleep = { sleep: () => {} };
const faultLog = (p: string): WriteAttempt[] =>
  fs.existsSync(p + FAULT_LOG_SUFFIX)
    ? fs
        .readFileSync(p + FAULT_LOG_SUFFIX, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as WriteAttempt)
    : [];

function fill(l: Ledger, n: number): void {
  for (let i = 0; i < n; i++) l.append('pulse', { i, status: 'GREEN', pad: 'x'.repeat(40) });
}

describe('injected ledger write faults', () => {
  it('a transient disk-full mid-line is retried from where it stopped, and the retry is its own durable record', () => {
    const p = path.join(dir, 'ledger.jsonl');
    // write calls: 1 = ledger.open, 2.. = pulses; the 4th write (pulse i=2) tears, then clears.
    const l = openRetryingLedger(p, {
      runId: 'r1',
      fileFactory: scriptedFile(['ok', 'ok', 'ok', 'torn-ENOSPC']),
      ...noSleep,
    });
    fill(l, 5);
    l.close();
    const read = readLedger(p);
    expect(read.problems).toEqual([]);
    const types = read.records.map((r) => r.type);
    expect(types.filter((t) => t === 'pulse')).toHaveLength(5);
    const retry = read.records.find((r) => r.type === RETRY_RECORD);
    expect(retry?.data).toMatchObject({
      forSeq: 4,
      outcome: 'written',
      attempts: [{ attempt: 1, op: 'write', code: 'ENOSPC', next: 'retry' }],
    });
    expect(retry?.seq).toBe(5); // right after the record it retried
    expect(verifyLedger(p, { records: read.records.length, head: l.head() }).ok).toBe(true);
    expect(faultLog(p).map((a) => a.code)).toEqual(['ENOSPC']);
  });

  it('short writes are not faults: the ledger loops until each line is whole, no retry record', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, {
      runId: 'r2',
      fileFactory: scriptedFile(['short', 'short', 'ok', 'short', 'short']),
      ...noSleep,
    });
    fill(l, 4);
    l.close();
    const read = readLedger(p);
    expect(read.problems).toEqual([]);
    expect(read.records.map((r) => r.type)).toEqual(['ledger.open', 'pulse', 'pulse', 'pulse', 'pulse']);
    expect(faultLog(p)).toEqual([]);
  });

  it('a write that makes no progress is retried visibly like an error', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, {
      runId: 'r3',
      fileFactory: scriptedFile(['ok', 'zero', 'zero']),
      ...noSleep,
    });
    fill(l, 2);
    l.close();
    const retry = readLedger(p).records.find((r) => r.type === RETRY_RECORD);
    expect((retry?.data as { attempts: WriteAttempt[] }).attempts.map((a) => a.code)).toEqual([
      'NO_PROGRESS',
      'NO_PROGRESS',
    ]);
  });

  it('a persistent I/O error fails closed after 4 attempts, each logged; the prefix still verifies, the tail is explicit', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, {
      runId: 'r4',
      fileFactory: scriptedFile(['ok', 'ok', 'ok', 'EIO', 'EIO', 'EIO', 'EIO']),
      ...noSleep,
    });
    fill(l, 2);
    let thrown: unknown = null;
    try {
      fill(l, 1);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LabError);
    expect((thrown as LabError).code).toBe('LEDGER_WRITE_FAILED');
    expect((thrown as LabError).message).toContain('#4 write EIO -> fail');
    // Every later append refuses with the same code: nothing is written past the failure.
    expect(() => l.append('pulse', {})).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    l.close();
    expect(faultLog(p).map((a) => `${a.attempt}:${a.next}`)).toEqual([
      '1:retry',
      '2:retry',
      '3:retry',
      '4:fail',
    ]);
    // Nothing that was acknowledged is lost: the 3 acknowledged records verify as a whole chain.
    const v = verifyLedger(p);
    expect([v.ok, v.records, v.goodLines]).toEqual([true, 3, 3]);
  });

  it('a disk that fills mid-line for good leaves a torn tail that verify names (LEDGER_TORN), never a silent gap', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, {
      runId: 'r5',
      fileFactory: scriptedFile(['ok', 'ok', 'torn-ENOSPC', ...Array<'ENOSPC'>(8).fill('ENOSPC')]),
      ...noSleep,
    });
    fill(l, 1);
    expect(() => fill(l, 1)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    l.close();
    const v = verifyLedger(p);
    expect([v.ok, v.code, v.goodLines]).toEqual([false, 'LEDGER_TORN', 2]);
  });

  it('a failed fdatasync is never retried (fsyncgate) and fails closed at once', () => {
    const p = path.join(dir, 'ledger.jsonl');
    expect(() =>
      openRetryingLedger(p, { runId: 'r6', fileFactory: scriptedFile([], 'EIO'), ...noSleep }),
    ).toThrow(
      expect.objectContaining({
        code: 'LEDGER_WRITE_FAILED',
        message: expect.stringContaining('#1 sync EIO -> fail'),
      }),
    );
    expect(faultLog(p).map((a) => `${a.op}:${a.attempt}:${a.next}`)).toEqual(['sync:1:fail']);
  });

  it('an error that retrying cannot fix (EROFS) fails at once, with one attempt logged', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, { runId: 'r7', fileFactory: scriptedFile(['ok', 'EROFS']), ...noSleep });
    expect(() => fill(l, 1)).toThrow(expect.objectContaining({ code: 'LEDGER_WRITE_FAILED' }));
    l.close();
    expect(faultLog(p).map((a) => `${a.code}:${a.next}`)).toEqual(['EROFS:fail']);
  });

  it('verify tells a consistent ledger from a truncated one and from a corrupted one', () => {
    const p = path.join(dir, 'ledger.jsonl');
    const l = openRetryingLedger(p, { runId: 'r8', ...noSleep });
    fill(l, 6);
    l.close();
    const pins = { records: l.count(), head: l.head() };
    expect(verifyLedger(p, pins).ok).toBe(true);
    const good = fs.readFileSync(p);
    const cut = path.join(dir, 'cut.jsonl');
    fs.writeFileSync(cut, good.subarray(0, good.length - 20));
    expect(verifyLedger(cut, pins).code).toBe('LEDGER_TORN');
    const lines = path.join(dir, 'lines.jsonl');
    fs.writeFileSync(lines, good.subarray(0, good.lastIndexOf(0x0a, good.length - 2) + 1));
    expect(verifyLedger(lines, pins).code).toBe('LEDGER_CHAIN_BROKEN');
    const flipped = Buffer.from(good);
    const at = flipped.indexOf('"i":3');
    flipped[at + 4] = '7'.charCodeAt(0);
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, flipped);
    const v = verifyLedger(bad, pins);
    expect([v.ok, v.code]).toEqual([false, 'LEDGER_CHAIN_BROKEN']);
  });
});

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

describe.runIf(canMountTmpfs())('a real full disk (tmpfs, needs root)', () => {
  it('fills up under the ledger: retries are attempted and logged, then LEDGER_WRITE_FAILED; what was acknowledged verifies', () => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const p = path.join(mnt, 'ledger.jsonl');
      const l = openRetryingLedger(p, { runId: 'full', ...noSleep });
      let acknowledged = 1;
      let failure: unknown = null;
      for (let i = 0; i < 10_000 && !failure; i++) {
        try {
          l.append('sample', { i, pad: 'y'.repeat(200) });
          acknowledged++;
        } catch (err) {
          failure = err;
        }
      }
      l.close();
      expect(failure).toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
      expect((failure as Error).message).toContain('ENOSPC');
      expect((failure as Error).message).toContain('-> fail');
      const v = verifyLedger(p);
      // Every acknowledged record is intact; at most a torn tail of the refused one follows.
      const retries = readLedger(p).records.filter((r) => r.type === RETRY_RECORD).length;
      expect(v.goodLines).toBe(acknowledged + retries);
      expect(v.ok || v.code === 'LEDGER_TORN').toBe(true);
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});
