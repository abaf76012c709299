/**
 * Seed 000 §5 over a real run whose governance file changes mid-probe (a real INTEGRITY_CHANGED
 * anomaly): the report gives each anomaly its snapshot comparison, governance hash and pulse; a
 * review recorded with the real CLI and one through the host's contract each land in the ledger
 * and in `probe-lab verify`; changing a byte of either (ledger record or signed addendum) fails
 * verify with a coded error naming it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryRow, Reply, ReviewAnswer } from '../../main/model/api';
import type { LabHost } from '../../main/host/host';
import { readLedger } from '../../main/evidence/ledger-read';
import { Ledger } from '../../main/evidence/ledger';
import { agent, makePlan, newRun, tempDir, useTempHome, waitFor, hostOverFolder } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
let out: string;
let md: string;
let json: string;
let ledgerPath: string;
let pinned: number;
let host: LabHost;
const mode = { kind: 'challenge' as const };

const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: process.env, timeout: 60_000 });

/** Changes one byte of a file for the length of `fn`, then puts it back. */
function withByteChanged(file: string, find: string, replace: string, fn: () => void): void {
  const original = fs.readFileSync(file);
  const text = original.toString('utf8');
  const at = text.lastIndexOf(find);
  expect(at).toBeGreaterThanOrEqual(0);
  fs.writeFileSync(file, text.slice(0, at) + replace + text.slice(at + find.length));
  try {
    fn();
  } finally {
    fs.writeFileSync(file, original);
  }
}

beforeAll(async () => {
  useTempHome();
  out = tempDir('review-reports-');
  const gov = tempDir('review-gov-');
  fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode on\n');
  const plan = makePlan({
    governance: { folder: gov, sentinels: [] },
    pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
    targets: [agent('a', ['--run-sec', '3.5'])],
  });
  const run = newRun(plan, out);
  const done = run.run();
  await waitFor(() => run.pulses.length >= 2, 15_000, 'a pulse during the run');
  fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode OFF\n');
  const result = await done;
  md = result.report.markdown;
  json = result.report.json;
  const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as { ledger: { file: string; records: number } };
  ledgerPath = path.join(out, doc.ledger.file);
  pinned = doc.ledger.records;
  host = hostOverFolder(out);
}, 90_000);

describe('anomaly review (seed 000 §5)', () => {
  it('the report gives each anomaly its pulse, governance hash and snapshot comparison', () => {
    const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      anomalies: { code: string }[];
      anomalyReview: {
        id: string;
        code: string;
        caughtBy: { seq: number } | null;
        governance: { ok: boolean; hash: string | null; baseline: string | null } | null;
        before: unknown;
        after: unknown;
        compared: number;
      }[];
    };
    const i = doc.anomalies.findIndex((a) => a.code === 'INTEGRITY_CHANGED');
    expect(i).toBeGreaterThanOrEqual(0);
    const ctx = doc.anomalyReview[i]!;
    expect(ctx.id).toBe(`A${i + 1}`);
    expect(ctx.caughtBy?.seq).toBeGreaterThan(0);
    expect(ctx.governance?.ok).toBe(false);
    expect(ctx.governance?.hash).not.toBe(ctx.governance?.baseline);
    expect(ctx.before).not.toBeNull();
    expect(ctx.compared).toBeGreaterThan(0);
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toContain(`### A${i + 1}: INTEGRITY\\_CHANGED`);
    expect(text).toMatch(/Caught by pulse \d+/);
    expect(text).toMatch(/Governance hash verified at pulse \d+ .*\*\*CHANGED\*\*/);
  });

  it('a review from the CLI and one from the console land in the ledger and in verify; the report stays as signed', async () => {
    const mdBefore = fs.readFileSync(md);
    const sigBefore = fs.readFileSync(`${md}.sig`);
    const r = cli([
      'review',
      md,
      '--anomaly',
      'A1',
      '--verdict',
      'needs-work',
      '--note',
      'policy flipped <b>|x|</b>',
      '--by',
      'alice',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('review recorded: A1, needs-work, by alice');

    const viaHost = (await host.invoke(
      'reports.review',
      { reportPath: md, anomaly: null, verdict: 'expected', note: 'run reviewed from the console' },
      mode,
    )) as Reply<ReviewAnswer>;
    expect(viaHost.ok).toBe(true);
    if (!viaHost.ok) return;
    expect(viaHost.value.verification.ok).toBe(true);

    const recs = readLedger(ledgerPath).records;
    expect(recs.length).toBe(pinned + 2);
    expect(recs.slice(pinned).map((x) => [x.type, (x.data as { anomaly: string | null }).anomaly])).toEqual([
      ['review', 'A1'],
      ['review', null],
    ]);
    expect(fs.readFileSync(md).equals(mdBefore)).toBe(true);
    expect(fs.readFileSync(`${md}.sig`).equals(sigBefore)).toBe(true);

    const v = cli(['verify', md]);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain('ok   reviews: ');
    expect(v.stdout).toContain('review A1 needs-work by alice');
    expect(v.stdout).toContain('review run expected by');
    expect(v.stdout).toContain('run reviewed from the console');
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');

    const rows = (await host.invoke('reports.list', {}, mode)) as Reply<HistoryRow[]>;
    const row = rows.ok ? rows.value[0] : undefined;
    expect(row?.anomalies).toBeGreaterThan(0);
    expect(row?.awaitingReview).toBe((row?.anomalies ?? 0) - 1);
  });

  it('a changed byte in a review record of the ledger fails verify, naming the review record', () => {
    for (const [find, replace] of [
      ['"by":"alice"', '"by":"alicE"'],
      ['run reviewed from the console', 'run reviewed from the consolE'],
    ] as const) {
      withByteChanged(ledgerPath, find, replace, () => {
        const v = cli(['verify', md]);
        expect(v.status).toBe(1);
        expect(v.stdout).toMatch(/BAD  ledger: .*LEDGER_CHAIN_BROKEN: review record at line \d+/);
        expect(v.stdout).toContain('VERIFICATION FAILED');
      });
    }
  });

  it('a changed byte in the signed addendum fails verify, naming the addendum', () => {
    const addendum = json.replace(/\.json$/, '.reviews.json');
    for (const [find, replace] of [
      ['needs-work', 'false-alarm'],
      ['run reviewed from the console', 'run reviewed from the consolE'],
    ] as const) {
      withByteChanged(addendum, find, replace, () => {
        const v = cli(['verify', md]);
        expect(v.status).toBe(1);
        expect(v.stdout).toMatch(/BAD  signature .*\.reviews\.json: SIGNATURE_INVALID/);
      });
    }
    // Without the addendum, the review records are lines the signed report does not account for.
    const text = fs.readFileSync(addendum);
    fs.unlinkSync(addendum);
    try {
      const v = cli(['verify', md]);
      expect(v.status).toBe(1);
      expect(v.stdout).toMatch(/BAD  ledger: .*REVIEW_MISMATCH/);
    } finally {
      fs.writeFileSync(addendum, text);
    }
    expect(cli(['verify', md]).status).toBe(0);
  });

  it('refuses a review of an anomaly the report does not have, and a ledger that does not verify', async () => {
    const bad = cli(['review', md, '--anomaly', 'A99', '--verdict', 'expected', '--note', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('REVIEW_INVALID');
    const before = fs.readFileSync(ledgerPath);
    withByteChanged(ledgerPath, '"type":"run.end"', '"type":"run.eNd"', () => {
      expect(() => Ledger.openForAppend(ledgerPath)).toThrow(/LEDGER|line/);
      const r = cli(['review', md, '--verdict', 'expected', '--note', 'x']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/LEDGER_(CHAIN_BROKEN|PARSE)/);
    });
    expect(fs.readFileSync(ledgerPath).equals(before)).toBe(true);
    const viaHost = await host.invoke(
      'reports.review',
      { reportPath: '/etc/passwd', anomaly: null, verdict: 'expected', note: 'x' },
      mode,
    );
    expect(viaHost).toMatchObject({ ok: false, error: { code: 'REPORT_NOT_FOUND' } });
  });
});
