/**
 * Report and verify: time to write + sign, and to verify, the report of a 24-hour run.
 *
 * Method: a short real run (4 idle agents, ~3 s) gives real pulse, snapshot and sample records as
 * templates. From them a 24-hour run is synthesised: 86,400 snapshots (1 s cadence), 86,400 resource
 * samples (1 s sampling; the last 3,600 kept in memory as the engine does), 4,320 pulses (bursts of
 * 3 every 60 s), and a ledger holding every one of those records, written through the engine's own
 * Ledger (hash chain, canonical JSON) with a pinned clock. Then, timed with performance.now():
 * writeSignedReport() (build, render Markdown, sign both files in SSHSIG, write atomically), and
 * verifyReport() (both signatures and the full ledger chain against the signed head). Baselines in
 * the same process on the same data: JSON.stringify of the same document + one Ed25519 signature +
 * writeFileSync (write), and reading the ledger with one JSON.parse and one SHA-256 per line + one
 * Ed25519 verify (verify): the irreducible work of each. Median of 3 (1 with BENCH_QUICK).
 * The floor of verify, printed beside it as its limit: one SHA-256 over the ledger's bytes alone,
 * streamed in 8 MiB reads (no line split, no parse).
 * Target: write+sign under 2 s; verify under 1 s (issue 16).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../main/evidence/ledger';
import type { Pulse, ResourceSample, Snapshot } from '../main/model/evidence';
import { buildReportDocument, writeSignedReport, type ReportInput } from '../main/reports/report';
import { loadOrCreateSigningKey } from '../main/reports/keys';
import { verifyReport } from '../main/reports/verify';
import { agent, makePlan, newRun } from '../test/integration/helpers';
import { QUICK, fmt, median, ratio, runBench, tempDir, type BenchResult } from './lib';

const ID = 'report-verify';
const FIGURE = 'Report and verify (24 h run)';
const TARGET_MS = 2000;
/** Issue 16: a 24 h ledger verifies in under a second. */
const VERIFY_TARGET_MS = 1000;
const TARGET = 'write+sign < 2 s; verify < 1 s';
const FLOOR_CHUNK = 8 * 1024 * 1024;

/** SHA-256 over the file's bytes alone, streamed: what no verify of these bytes can beat. */
function hashFloorMs(file: string): number {
  const t0 = performance.now();
  const h = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(FLOOR_CHUNK);
  const fd = fs.openSync(file, 'r');
  try {
    for (
      let n = fs.readSync(fd, buf, 0, FLOOR_CHUNK, null);
      n > 0;
      n = fs.readSync(fd, buf, 0, FLOOR_CHUNK, null)
    )
      h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  h.digest('hex');
  return performance.now() - t0;
}
const SECONDS = 24 * 3600;
const PULSE_EVERY_SEC = 60;
const SAMPLES_IN_MEMORY = 3600;
const REPEATS = QUICK ? 1 : 3;

function templates(run: ReturnType<typeof newRun>) {
  const pulse = run.pulses.find((p) => p.latencyClass !== 'skipped') ?? run.pulses[0];
  const snap = run.snapshots[run.snapshots.length - 1];
  const sample = run.samples[run.samples.length - 1];
  if (!pulse || !snap || !sample) throw new Error('the template run produced no pulse, snapshot or sample');
  return { pulse, snap, sample };
}

runBench(ID, FIGURE, TARGET, async (): Promise<BenchResult> => {
  const out = tempDir('report');
  const plan = makePlan({
    id: 'bench-24h',
    targets: [agent('idle', ['--run-sec', '3', '--heartbeat-ms', '500'], { count: 4 })],
    run: { maxDurationSec: 10 },
    pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 1000 },
  });
  const run = newRun(plan, out);
  await run.run();
  const t = templates(run);
  const realDoc = JSON.parse(fs.readFileSync(run.reportPath!.replace(/\.md$/, '.json'), 'utf8')) as {
    targets: ReportInput['targets'];
  };

  // ---- synthesise 24 hours ----
  const t0 = Date.UTC(2026, 0, 1);
  const pulses: Pulse[] = [];
  const snapshots: Snapshot[] = [];
  const samples: ResourceSample[] = [];
  const runId = `bench-24h-${crypto.randomBytes(3).toString('hex')}`;
  const runDir = path.join(out, 'runs', runId);
  fs.mkdirSync(runDir, { recursive: true });
  let clock = t0;
  const ledger = Ledger.open(path.join(runDir, 'ledger.jsonl'), { runId, now: () => clock });
  const genStart = performance.now();
  ledger.append('run.start', { runId, plan }, { durable: false });
  for (let s = 1; s <= SECONDS; s++) {
    clock = t0 + s * 1000;
    const sample: ResourceSample = {
      ...t.sample,
      at: clock,
      host: { ...t.sample.host, at: clock, cpuPct: (s * 7) % 100 },
    };
    ledger.append('sample', sample);
    samples.push(sample);
    const snap: Snapshot = {
      ...t.snap,
      seq: s,
      slot: s - 1,
      plannedAt: clock,
      at: clock + (s % 3),
      host: sample.host,
    };
    ledger.append('snapshot', snap);
    snapshots.push(snap);
    if (s % PULSE_EVERY_SEC < 3) {
      const p: Pulse = {
        ...t.pulse,
        seq: pulses.length + 1,
        phase: 'during',
        burst: Math.floor(s / PULSE_EVERY_SEC),
        plannedAt: clock,
        startedAt: clock + 1,
        completedAt: clock + 40,
        startLagMs: 1,
        latencyMs: 40,
      };
      ledger.append('pulse', p);
      pulses.push(p);
    }
  }
  ledger.append('run.end', { verdict: 'PASS' }, { durable: true });
  const ledgerSummary = { records: ledger.count(), head: ledger.head() };
  ledger.close();
  const genMs = performance.now() - genStart;
  const ledgerBytes = fs.statSync(path.join(runDir, 'ledger.jsonl')).size;

  const input: ReportInput = {
    outDir: out,
    runId,
    runDir,
    plan,
    confirmation: run.plan ? await confirmationOf(plan) : (undefined as never),
    startedAt: t0,
    probeStartedAt: t0,
    endedAt: t0 + SECONDS * 1000,
    verdict: 'PASS',
    haltReason: null,
    thresholds: [],
    pulses,
    snapshots,
    coverage: { cadenceMs: 1000, expected: SECONDS, present: SECONDS, pct: 100, missing: [] },
    tes: run.tes,
    drift: null,
    integrity: run.integrity,
    baseline: null,
    anomalies: [],
    events: run.events,
    samples: samples.slice(-SAMPLES_IN_MEMORY),
    targets: realDoc.targets,
    ledger: { file: path.relative(out, path.join(runDir, 'ledger.jsonl')), ...ledgerSummary },
    ledgerFailure: null,
    extra: {},
  };

  const key = loadOrCreateSigningKey();
  const writes: number[] = [];
  const verifies: number[] = [];
  const baseWrites: number[] = [];
  const baseVerifies: number[] = [];
  const floors: number[] = [];
  let verifiedOk = true;
  let jsonBytes = 0;
  for (let k = 0; k < REPEATS; k++) {
    const w0 = performance.now();
    const files = writeSignedReport({ ...input, endedAt: input.endedAt + k * 1000 });
    writes.push(performance.now() - w0);
    jsonBytes = fs.statSync(files.json).size;
    const v0 = performance.now();
    const v = verifyReport(files.markdown);
    verifies.push(performance.now() - v0);
    verifiedOk &&= v.ok;

    const b0 = performance.now();
    const doc = buildReportDocument(input, key.openssh);
    const text = JSON.stringify(doc, null, 2);
    const sig = crypto.sign(null, Buffer.from(text), key.privateKey);
    fs.writeFileSync(path.join(out, `baseline-${k}.json`), text);
    baseWrites.push(performance.now() - b0);

    const c0 = performance.now();
    const buf = fs.readFileSync(path.join(runDir, 'ledger.jsonl'));
    let start = 0;
    let lines = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, start)) {
      const line = buf.subarray(start, i);
      crypto.createHash('sha256').update(line).digest('hex');
      JSON.parse(line.toString('utf8'));
      lines++;
      start = i + 1;
    }
    const okSig = crypto.verify(
      null,
      Buffer.from(text),
      key.publicKey ?? crypto.createPublicKey(key.privateKey),
      sig,
    );
    baseVerifies.push(performance.now() - c0);
    if (!okSig || lines !== ledgerSummary.records) throw new Error('baseline verify disagreed');
    floors.push(hashFloorMs(path.join(runDir, 'ledger.jsonl')));
  }
  const w = median(writes);
  const v = median(verifies);
  const bw = median(baseWrites);
  const bv = median(baseVerifies);
  const floor = median(floors);
  fs.rmSync(out, { recursive: true, force: true });
  return {
    id: ID,
    figure: FIGURE,
    probeLab: `write+sign ${fmt(w / 1000, 2)} s (${w < TARGET_MS ? 'met' : 'missed'}); verify ${fmt(v / 1000, 2)} s (${v < VERIFY_TARGET_MS ? 'met' : 'missed'})${verifiedOk ? '' : ' (VERIFY FAILED)'}`,
    baseline: `${fmt(bw / 1000, 2)} s; ${fmt(bv / 1000, 2)} s (floor: SHA-256 over the bytes alone ${fmt(floor / 1000, 2)} s)`,
    ratio: `${ratio(w, bw)}; ${ratio(v, bv)} (${ratio(v, floor)} of the floor)`,
    target: TARGET,
    met: verifiedOk && w < TARGET_MS && v < VERIFY_TARGET_MS,
    method:
      '24 h synthesised from a real short run: 86,400 snapshots + 86,400 samples + 4,320 pulses in a real hash-chained ledger; writeSignedReport() and verifyReport() timed vs JSON.stringify+Ed25519 sign+write and per-line JSON.parse+SHA-256+Ed25519 verify, and the floor (one streamed SHA-256 over the ledger bytes); median of ' +
      `${REPEATS}.`,
    notes: [
      `ledger ${fmt(ledgerSummary.records, 0)} records, ${fmt(ledgerBytes / 1e6, 1)} MB (generated in ${fmt(genMs / 1000, 1)} s, not timed); JSON report ${fmt(jsonBytes / 1e6, 1)} MB`,
      `runs: write ${writes.map((x) => fmt(x, 0)).join('/')} ms, verify ${verifies.map((x) => fmt(x, 0)).join('/')} ms, floor ${floors.map((x) => fmt(x, 0)).join('/')} ms`,
    ],
    quick: QUICK,
  };
});

async function confirmationOf(plan: ReturnType<typeof makePlan>) {
  const { ConfirmationAuthority } = await import('../main/safety/confirmation');
  const a = new ConfirmationAuthority();
  const c = a.issue(plan, 'cli');
  a.consume(plan, c);
  return c;
}
