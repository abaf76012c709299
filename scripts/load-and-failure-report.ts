/**
 * Produces docs/LOAD_AND_FAILURE_REPORT.md (seed 003 task 5) from measurements taken now, on this
 * machine: the fuzz suite (malformed corpus + fast-check, fixed seed), the break and crash tests
 * (injected ledger faults, real full disk, real kill -9), a ledger fault campaign run here, and
 * validation bursts at rising concurrency with the console's own event-loop stall measured.
 *
 *   node bin/run-ts.mjs scripts/load-and-failure-report.ts [--kills N] [--quick] [--out FILE]
 *
 * Nothing in the document is typed by hand except the list of fixes made along the way (each names
 * the test that holds it); every count and figure comes from this run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startVitest } from 'vitest/node';
import { readLedger, verifyLedger } from '../main/evidence/ledger-read';
import {
  RETRY_RECORD,
  faultInjectingFile,
  openRetryingLedger,
  type InjectedFault,
} from '../main/evidence/ledger-retry';
import { resolveAllowed } from '../main/safety/allowlist';
import { Burst, listArtifacts, parseBurstSection, type BurstOutcome } from '../main/kinds/burst/index';
import { LabError } from '../main/util/errors';
import { projectRoot, resourcesDir } from '../main/util/paths';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? '') : null;
};
const QUICK = argv.includes('--quick');
const KILLS = Number(flag('kills') ?? (QUICK ? 1 : 3));
const OUT = path.resolve(flag('out') ?? path.join(projectRoot(), 'docs', 'LOAD_AND_FAILURE_REPORT.md'));
const root = projectRoot();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'load-report-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- test suites --------------------------------------------------------------------------

interface SuiteResult {
  files: number;
  passed: number;
  failed: string[];
  expectedFails: string[];
  skipped: number;
  logs: string[];
}

interface TaskLike {
  name: string;
  fails?: boolean;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
  file?: { name: string };
}

async function suite(include: string[], env: Record<string, string> = {}): Promise<SuiteResult> {
  Object.assign(process.env, env);
  const logs: string[] = [];
  const v = await startVitest('test', [], {
    watch: false,
    include,
    reporters: [['dot', {}]],
    onConsoleLog: (l: string) => {
      logs.push(l.trim());
      return false;
    },
  } as never);
  if (!v) throw new Error('vitest did not start');
  const leaves = (t: TaskLike): TaskLike[] => (t.tasks ? t.tasks.flatMap(leaves) : [t]);
  const files = v.state.getFiles() as unknown as TaskLike[];
  const tests = files.flatMap((f) => leaves(f).map((t) => ({ ...t, where: f.name })));
  await v.close();
  for (const k of Object.keys(env)) delete process.env[k];
  return {
    files: files.length,
    passed: tests.filter((t) => t.result?.state === 'pass' && !t.fails).length,
    failed: tests.filter((t) => t.result?.state === 'fail').map((t) => `${t.where}: ${t.name}`),
    expectedFails: tests
      .filter((t) => t.fails && t.result?.state === 'pass')
      .map((t) => `${t.where}: ${t.name}`),
    skipped: tests.filter((t) => t.mode === 'skip' || t.result?.state === 'skip').length,
    logs,
  };
}

function corpusCount(): { boundary: string; cases: number }[] {
  const dir = path.join(root, 'test', 'fixtures', 'malformed');
  const lines = (f: string) =>
    fs
      .readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter((l, i, a) => i < a.length - 1 || l !== '').length;
  const files = (d: string) => fs.readdirSync(path.join(dir, d)).length;
  return [
    { boundary: 'plan files', cases: files('plans') + 3 },
    { boundary: 'agent output lines', cases: lines('agent-lines.txt') },
    { boundary: 'QMP replies', cases: lines('qmp-replies.txt') + 3 },
    { boundary: 'IPC / browser-mode messages', cases: lines('ipc.jsonl') },
    { boundary: 'ledger files given to verify', cases: files('ledgers') },
    { boundary: 'report files given to verify', cases: files('reports') + 2 },
  ];
}

// ---- ledger fault campaign ----------------------------------------------------------------

interface FaultRow {
  fault: string;
  injections: number;
  /** Short writes are not faults: nothing to detect. */
  detected: number | 'n/a';
  retriedVisibly: number;
  failedClosed: number;
  lostRecords: number;
  ledgersThatVerify: number;
  tornTailsNamed: number;
}

const CAMPAIGN: { name: string; plan: (at: number) => Record<number, InjectedFault>; sync?: string }[] = [
  { name: 'disk full once (ENOSPC)', plan: (at) => ({ [at]: 'ENOSPC' }) },
  { name: 'I/O error once (EIO)', plan: (at) => ({ [at]: 'EIO' }) },
  { name: 'disk full mid-line once (torn, then ENOSPC)', plan: (at) => ({ [at]: 'torn-ENOSPC' }) },
  { name: 'write makes no progress twice', plan: (at) => ({ [at]: 'zero', [at + 1]: 'zero' }) },
  {
    name: 'short writes (3 in a row)',
    plan: (at) => ({ [at]: 'short', [at + 1]: 'short', [at + 2]: 'short' }),
  },
  {
    name: 'disk full for good',
    plan: (at) => Object.fromEntries(Array.from({ length: 12 }, (_, k) => [at + k, 'ENOSPC' as const])),
  },
  {
    name: 'I/O error for good',
    plan: (at) => Object.fromEntries(Array.from({ length: 12 }, (_, k) => [at + k, 'EIO' as const])),
  },
  {
    name: 'disk full mid-line for good',
    plan: (at) => ({
      [at]: 'torn-ENOSPC',
      ...Object.fromEntries(Array.from({ length: 12 }, (_, k) => [at + 1 + k, 'ENOSPC' as const])),
    }),
  },
  { name: 'read-only file system (EROFS)', plan: (at) => ({ [at]: 'EROFS' }) },
];

function faultCampaign(positions: number[]): FaultRow[] {
  const rows: FaultRow[] = [];
  const noSleep = { sleep: () => {} };
  for (const c of [...CAMPAIGN, { name: 'fdatasync fails (EIO)', plan: () => ({}), sync: 'EIO' }]) {
    const row: FaultRow = {
      fault: c.name,
      injections: 0,
      detected: 0,
      retriedVisibly: 0,
      failedClosed: 0,
      lostRecords: 0,
      ledgersThatVerify: 0,
      tornTailsNamed: 0,
    };
    for (const at of c.sync ? [0] : positions) {
      const p = path.join(fs.mkdtempSync(path.join(work, 'fault-')), 'ledger.jsonl');
      row.injections++;
      const acknowledged: number[] = [];
      let failure: unknown = null;
      let ledger: ReturnType<typeof openRetryingLedger> | null = null;
      try {
        ledger = openRetryingLedger(p, {
          runId: `fault-${at}`,
          fileFactory: faultInjectingFile({ writes: c.plan(at), ...(c.sync ? { syncFault: c.sync } : {}) }),
          ...noSleep,
        });
        for (let i = 0; i < 30; i++) {
          ledger.append('pulse', { i }, { durable: i % 5 === 0 });
          acknowledged.push(i);
        }
      } catch (err) {
        failure = err;
      } finally {
        ledger?.close();
      }
      const faultLog = fs.existsSync(`${p}.faults.jsonl`)
        ? fs.readFileSync(`${p}.faults.jsonl`, 'utf8').trim().split('\n').length
        : 0;
      const isShort = c.name.startsWith('short');
      if (isShort) row.detected = 'n/a';
      else if (faultLog > 0 && typeof row.detected === 'number') row.detected++;
      if (failure instanceof LabError && failure.code === 'LEDGER_WRITE_FAILED') row.failedClosed++;
      if (!fs.existsSync(p)) continue;
      const read = readLedger(p);
      if (read.records.some((r) => r.type === RETRY_RECORD)) row.retriedVisibly++;
      const v = verifyLedger(p);
      if (v.ok) row.ledgersThatVerify++;
      if (v.code === 'LEDGER_TORN') row.tornTailsNamed++;
      const verified = new Set(
        read.records
          .slice(0, v.goodLines)
          .filter((r) => r.type === 'pulse')
          .map((r) => (r.data as { i: number }).i),
      );
      row.lostRecords += acknowledged.filter((i) => !verified.has(i)).length;
    }
    rows.push(row);
  }
  return rows;
}

// ---- load ---------------------------------------------------------------------------------

interface LoadRow {
  label: string;
  concurrency: number;
  launchesPerTurn: number | 'all';
  invocations: number;
  throughput: number;
  p50: number;
  p99: number;
  peak: number;
  stallMaxMs: number;
  stallP99Ms: number;
  nondeterministic: number;
}

async function burst(
  label: string,
  validator: string,
  concurrency: number,
  repeat: number,
  launchesPerTurn?: number,
  env: Record<string, string> = {},
  artifactLimit?: number,
): Promise<LoadRow & { outcome: BurstOutcome }> {
  const v = path.join(resourcesDir(), 'validators', validator);
  const config = parseBurstSection({
    validator: { command: v, env, timeoutSec: 120 },
    artifacts: { folder: path.join(resourcesDir(), 'artifacts', 'packs'), suffixes: ['.json'] },
    concurrency,
    repeat,
  });
  const resolved = resolveAllowed(v, [v], { resourcesDir: resourcesDir(), baseDir: root });
  const artifacts = listArtifacts(path.join(resourcesDir(), 'artifacts', 'packs'), ['.json']).slice(
    0,
    artifactLimit,
  );
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const outcome = await new Burst({
    config,
    resolved,
    artifacts,
    cwd: work,
    runId: `load-${label}`,
    ...(launchesPerTurn ? { launchesPerTurn } : {}),
  }).run();
  h.disable();
  return {
    label,
    concurrency,
    launchesPerTurn: launchesPerTurn === 1e9 ? 'all' : (launchesPerTurn ?? 4),
    invocations: outcome.invocations.length,
    throughput: outcome.throughputPerSec,
    p50: outcome.latencyMs?.p50 ?? 0,
    p99: outcome.latencyMs?.p99 ?? 0,
    peak: outcome.peakConcurrency,
    stallMaxMs: Math.round(h.max / 1e6),
    stallP99Ms: Math.round(h.percentile(99) / 1e6),
    nondeterministic: outcome.nondeterministic.length,
    outcome,
  };
}

// ---- the document -------------------------------------------------------------------------

const table = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

async function main(): Promise<void> {
  const started = new Date();
  log('fuzz suite...');
  const tally = path.join(work, 'fuzz-tally.txt');
  fs.writeFileSync(tally, '');
  const fuzz = await suite(['test/fuzz/**/*.test.ts'], { PROBE_LAB_FUZZ_TALLY: tally });
  const generated = fs
    .readFileSync(tally, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .reduce((a, n) => a + Number(n), 0);
  const corpus = corpusCount();
  log('break tests...');
  const breaks = await suite(['test/integration/break*.test.ts']);
  log(`crash tests x ${KILLS}...`);
  const crashes: SuiteResult[] = [];
  for (let k = 0; k < KILLS; k++) crashes.push(await suite(['test/integration/crash*.test.ts']));
  const killLines = crashes.flatMap((c) => c.logs.filter((l) => l.startsWith('kill -9:')));
  const killNums = killLines.map((l) =>
    (
      /(\d+) orphaned by it, (\d+) killed by recovery, (\d+) left; (\d+) records at the kill, (\d+) verified, (\d+) lost/.exec(
        l,
      ) ?? []
    )
      .slice(1)
      .map(Number),
  );
  log('ledger fault campaign...');
  const faults = faultCampaign(Array.from({ length: QUICK ? 5 : 20 }, (_, k) => k + 2));
  log('load...');
  const levels = QUICK ? [1, 10, 100] : [1, 10, 50, 100, 200];
  const load: LoadRow[] = [];
  for (const c of levels) load.push(await burst(`gate-check x${c}`, 'gate-check.mjs', c, 2));
  const allAtOnce = await burst(
    'gate-check x100, all launched in one tick (before the fix)',
    'gate-check.mjs',
    100,
    2,
    1e9,
  );
  const held = await burst(
    'gate-check, each check 6 s (GATE_DELAY_MS)',
    'gate-check.mjs',
    100,
    2,
    undefined,
    { GATE_DELAY_MS: '6000' },
  );
  const flaky = await burst('flaky-gate x100', 'flaky-gate.mjs', 100, 3);
  fs.rmSync(work, { recursive: true, force: true });

  const allSuites = [fuzz, breaks, ...crashes];
  const failedTests = allSuites.flatMap((s) => s.failed);
  const knownBugs = [...new Set(allSuites.flatMap((s) => s.expectedFails))];
  const resets = fuzz.logs.find((l) => l.startsWith('browser-mode fuzz:'));
  const totalInjections = faults.reduce((a, r) => a + r.injections, 0);
  const lost = faults.reduce((a, r) => a + r.lostRecords, 0);
  const best = load.reduce((a, r) => (r.throughput > a.throughput ? r : a));
  const base1 = load[0];
  const c100 = load.find((r) => r.concurrency === 100);
  // The run loop's files (main/run) and the kinds' composition root are where the two pieces get
  // wired in: every file of the loop is read, so a move between its files never reads as "not yet".
  const runDir = path.join(root, 'main', 'run');
  const runnerSource = [
    ...fs
      .readdirSync(runDir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => path.join(runDir, f)),
    path.join(root, 'main', 'kinds', 'index.ts'),
  ]
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const wired = (what: string) => (runnerSource.includes(what) ? 'yes' : '**not yet**');
  const md = `# Load and failure report

Generated by \`node bin/run-ts.mjs scripts/load-and-failure-report.ts${argv.length ? ` ${argv.join(' ')}` : ''}\` on ${started.toISOString()}.
Re-run it to measure again; nothing below is typed by hand except the "fixed along the way" list.

Machine: ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}.

## Summary

- Malformed input: **${corpus.reduce((a, c) => a + c.cases, 0)} corpus cases** across ${corpus.length} boundaries plus **${generated} generated cases** (fast-check, seed ${process.env.PROBE_LAB_FUZZ_SEED ?? 3003}) in ${fuzz.files} fuzz files: ${fuzz.passed} tests passed, ${fuzz.failed.length} failed, ${fuzz.expectedFails.length} record known bugs (below).
- Ledger faults: **${totalInjections} injected** in the campaign below plus the break tests (${breaks.passed} passed, ${breaks.failed.length} failed${breaks.skipped ? `, ${breaks.skipped} skipped (no root for tmpfs)` : ''}); **${lost} acknowledged records lost**.
- Crash: **${killLines.length} real kill -9** of the CLI mid-probe; orphans left after the next start: **${killNums.reduce((a, n) => a + (n[2] ?? 0), 0)}**; records lost: **${killNums.reduce((a, n) => a + (n[5] ?? 0), 0)}**.
- Load: best throughput ${best.throughput}/s at concurrency ${best.concurrency}; p99 latency ${base1?.p99 ?? '-'} ms alone vs ${c100?.p99 ?? '-'} ms at 100; the console's worst stall ${c100?.stallMaxMs ?? '-'} ms at 100 (it was ${allAtOnce.stallMaxMs} ms before the launch fix).
- Determinism: the deliberately nondeterministic validator was caught on **${flaky.nondeterministic} of ${flaky.outcome.artifacts}** packs; the deterministic one on **${load.reduce((a, r) => a + r.nondeterministic, 0)}** over every run above.
${failedTests.length ? `\n**Failing tests in this run:**\n\n${failedTests.map((f) => `- ${f}`).join('\n')}\n` : ''}
## 1. Malformed input (seed 003 task 2)

Every case must be refused with a stable code and cause nothing else (IPC refusals are checked to
leave the disk untouched). Corpus: \`test/fixtures/malformed/\`; tests: \`test/fuzz/\`.

${table(
  ['Boundary', 'Corpus cases'],
  corpus.map((c) => [c.boundary, c.cases]),
)}

Generated cases (fixed seed, bounded): ${generated}.${resets ? `\n\nBrowser mode: ${resets.replace('browser-mode fuzz: ', '')} (Node's HTTP parser closes a request whose body has no length before the app sees it; nothing reached the host).` : ''}

## 2. Ledger write faults (seed 003 task 3)

Injected through the LedgerFile seam (\`faultInjectingFile\`) at write calls ${QUICK ? '2-6' : '2-21'} of a 31-record ledger written by
\`openRetryingLedger\`. "Lost" counts acknowledged appends missing from the verified chain.

${table(
  [
    'Fault',
    'Injections',
    'Detected',
    'Retry in ledger',
    'Failed closed',
    'Verifies',
    'Torn tail named',
    'Lost',
  ],
  faults.map((r) => [
    r.fault,
    r.injections,
    r.detected,
    r.retriedVisibly,
    r.failedClosed,
    r.ledgersThatVerify,
    r.tornTailsNamed,
    r.lostRecords,
  ]),
)}

Wired into the run loop (a file of main/run uses \`openRetryingLedger\`): ${wired('openRetryingLedger')}. Where it is\nnot, a probe's ledger fails closed on the first write error (no retry), which the break tests also hold.

Transient faults are retried from the byte they stopped at, each attempt in \`ledger.faults.jsonl\`
and as a durable \`ledger.write.retry\` record; a fault that does not clear fails closed with
LEDGER_WRITE_FAILED after 4 attempts; a failed fdatasync is never retried. Short writes are not
faults. The break tests add a real full disk (tmpfs) when run as root.

## 3. Crash and kill -9 (issue item 4)

${killLines.length ? killLines.map((l) => `- ${l}`).join('\n') : '- (no kill run)'}

Each: a \`probe-lab run\` with 2 agents (2 children each) and 8 slow validators is killed with
SIGKILL; the next \`probe-lab run\` on the same report folder finds the run, kills its leftovers
by PROBE_LAB_RUN_ID, leaves the ledger byte for byte, and writes INTERRUPTED.json with the last
verified record.

## 4. Load: validation bursts (seed 003 tasks 1, 4, 5)

Listed in the kinds' composition root (main/kinds/index.ts imports \`./burst\`): ${wired("from './burst'")}.

${flaky.outcome.artifacts} packs, \`gate-check.mjs\` (node, deterministic), repeated ${load[0]?.outcome.repeat ?? 2}x. "Stall" is the console's own
event-loop delay during the burst (pulses, snapshots and samples wait that long).

${table(
  [
    'Run',
    'Concurrency',
    'Launches/turn',
    'Invocations',
    'Throughput /s',
    'p50 ms',
    'p99 ms',
    'Peak live',
    'Stall max ms',
    'Stall p99 ms',
    'Nondeterministic',
  ],
  [...load, allAtOnce, held, flaky].map((r) => [
    r.label,
    r.concurrency,
    r.launchesPerTurn,
    r.invocations,
    r.throughput,
    r.p50,
    r.p99,
    r.peak,
    r.stallMaxMs,
    r.stallP99Ms,
    r.nondeterministic,
  ]),
)}

Degradation: every validator is a fresh node process, so the CPUs bound throughput (about
${best.throughput}/s here), and spawn() is synchronous, so launches are paced. A check that ends before
the launch ramp does overlaps at most ${c100?.peak ?? '-'} others at concurrency 100: past that, more
concurrency only adds latency (p99 ${base1?.p99 ?? '-'} ms alone, ${c100?.p99 ?? '-'} ms at 100) at the same throughput.
Checks that take time (the 6 s row) are held ${held.peak} at once. Launching all in one tick (the
pre-fix row) reaches ${allAtOnce.peak} live but stalls the console ${allAtOnce.stallMaxMs} ms and gains no throughput
(${allAtOnce.throughput}/s).

## 5. What failed and was fixed along the way

- **The burst froze the console** (measured 3.7 s stall, snapshot coverage 20%, pulses near
  critical with 100 launches in one tick): validators now launch a few per event-loop turn and run
  at nice 10. Compare the "all launched in one tick" row above. Held by
  \`test/integration/break-burst.test.ts\` (the bundled quick plan must PASS, coverage included).
- **A halted burst lost its findings** (the run loop does not wait for an extension after a halt):
  the findings now settle in \`finish\`. Held by "holds 100 validators at once ... halt".
- **A retry could write bytes twice** when a failed write had landed part of a line: the retrying
  file checks the size on disk and counts landed bytes as a short write. Held by the "disk full
  mid-line" rows above.

## 6. Known bugs recorded by the tests (in other files; each test is marked \`fails\` until fixed)

The comment above each test names the file, the input, what happens and what should.

${knownBugs.length ? knownBugs.map((b) => `- ${b}`).join('\n') : '- none'}
`;
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, md);
  log(`wrote ${OUT}`);
  process.exitCode = failedTests.length ? 1 : 0;
}

await main();
