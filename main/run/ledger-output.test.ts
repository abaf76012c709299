/**
 * The engine's ledger output syncs off the event loop: durable records and the periodic flush start
 * an fdatasync in libuv's pool, never one in place, and a failed background sync still fails the
 * run closed. The file layer here is the real one (real file, real fdatasync) with its in-place
 * sync() counted; the failing sync is the fault injector's (a real fdatasync error cannot be made
 * on demand).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedgerFile, type LedgerFileFactory } from '../evidence/ledger-file';
import { faultInjectingFile } from '../evidence/ledger-retry';
import { verifyLedger } from '../evidence/ledger-read';
import type { Pulse } from '../model/evidence';
import { LedgerOutput } from './ledger-output';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-output-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real file layer, counting where its syncs run. */
function countingFiles(): { factory: LedgerFileFactory; inPlace: () => number; background: () => number } {
  let inPlace = 0;
  let background = 0;
  const factory: LedgerFileFactory = (p) => {
    const real = openLedgerFile(p);
    return {
      write: (b) => real.write(b),
      sync: () => {
        inPlace++;
        real.sync();
      },
      syncAsync: (done) => {
        background++;
        real.syncAsync?.(done);
      },
      close: () => real.close(),
    };
  };
  return { factory, inPlace: () => inPlace, background: () => background };
}

const pulse = (seq: number) => ({ type: 'pulse', runId: 'r', pulse: { seq } as unknown as Pulse }) as const;

describe('LedgerOutput syncing', () => {
  it("starts durable records' fdatasync off the event loop; only run.end syncs in place", async () => {
    const files = countingFiles();
    const failures: string[] = [];
    const out = new LedgerOutput(
      path.join(dir, 'ledger.jsonl'),
      { runId: 'r-sync', fileFactory: files.factory },
      (r) => failures.push(r),
    );
    const atOpen = files.inPlace(); // ledger.open: synced in place before anything runs
    for (let i = 1; i <= 5; i++) out.add(pulse(i));
    out.record('target.exit', { id: 'a' }, true);
    expect(files.inPlace()).toBe(atOpen);
    expect(files.background()).toBeGreaterThan(0);
    await out.stop({
      verdict: 'PASS',
      haltReason: null,
      thresholds: [],
      skippedPulses: 0,
      recorded: { observerErrors: [] },
    } as never);
    expect(failures).toEqual([]);
    const { records, head } = out.summary();
    expect(verifyLedger(path.join(dir, 'ledger.jsonl'), { head, records }).ok).toBe(true);
  });

  it('a background fdatasync that fails halts the run and fails the ledger closed', async () => {
    // The fault applies from the first sync on: ledger.open must still get through, so it opens
    // clean and the injector is switched on after.
    const plan: { syncFault?: string } = {};
    const failures: string[] = [];
    const out = new LedgerOutput(
      path.join(dir, 'ledger.jsonl'),
      { runId: 'r-fail', fileFactory: faultInjectingFile(plan) },
      (r) => failures.push(r),
    );
    plan.syncFault = 'EIO';
    out.add(pulse(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(failures).toEqual(['ledger sync failed']);
    expect(out.failure).toMatch(/LEDGER_WRITE_FAILED.*EIO/);
    out.add(pulse(2)); // refused: nothing is written after a failed sync
    out.close();
    expect(verifyLedger(path.join(dir, 'ledger.jsonl')).records).toBe(2);
  });
});
