/**
 * `npm run bench`: every figure's bench, one child process each (so one bench's heap, timers and
 * JIT state never colour the next), each with its own temporary PROBE_LAB_HOME. Prints the table,
 * writes bench/results/latest.{md,json} (git-ignored) and, for a full run, bench/LATEST.md and the
 * performance section of bench/README.md (committed). BENCH_QUICK=1 shortens every bench for a
 * smoke run; its table is printed and kept in results/ only, never presented as the figures.
 *
 * Exit code: 0 when every bench produced a figure (met or missed: a miss is a finding, printed as
 * such), 1 when a bench crashed or timed out.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, type BenchResult } from './lib';
// @ts-expect-error: a plain .mjs script without types
import { bundleFile } from '../scripts/engine-build.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS = path.join(HERE, 'results');
const README = path.join(HERE, 'README.md');
const LATEST = path.join(HERE, 'LATEST.md');
const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

/** In run order; each with the longest it may take on a 2-core host (full run). */
const BENCHES: { file: string; figure: string; timeoutSec: number }[] = [
  { file: 'observer-overhead.ts', figure: 'Observer overhead (20 idle agents)', timeoutSec: 300 },
  { file: 'pty-ingest.ts', figure: 'pty ingest (telemetry storm)', timeoutSec: 240 },
  { file: 'pulse-timing.ts', figure: 'Pulse timing under full CPU load', timeoutSec: 120 },
  { file: 'histogram.ts', figure: 'Histogram recording', timeoutSec: 60 },
  { file: 'report-verify.ts', figure: 'Report and verify (24 h run)', timeoutSec: 180 },
  { file: 'console.ts', figure: 'Console frame times', timeoutSec: 200 },
  // Its own wall budget (soak.ts WALL_BUDGET_SEC) plus the report at the end and the agents' exit.
  { file: 'soak.ts', figure: 'Soak (24 h, time-compressed)', timeoutSec: 800 },
];

function runOne(b: (typeof BENCHES)[number]): Promise<BenchResult> {
  const resultFile = path.join(os.tmpdir(), `probe-lab-bench-${process.pid}-${b.file}.json`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-lab-bench-home-'));
  fs.rmSync(resultFile, { force: true });
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Each bench runs bundled, in plain Node: the engine code it drives is what users run, and no
    // module loader's thread shares the process (tsx's costs an idle process 0.26-0.86% of a core).
    const bundled = path.join(ROOT, 'out', 'bench', b.file.replace(/\.ts$/, '.mjs'));
    fs.mkdirSync(path.dirname(bundled), { recursive: true });
    (bundleFile as (entry: string, outfile: string) => void)(path.join(HERE, b.file), bundled);
    // Source maps on, as bin/probe-lab.mjs has them (stack traces name main/*.ts).
    const child = spawn(process.execPath, ['--enable-source-maps', bundled], {
      cwd: ROOT,
      env: { ...process.env, PROBE_LAB_HOME: home, BENCH_RESULT_FILE: resultFile },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true, // its own process group: a timeout ends the bench and everything it started
    });
    const timer = setTimeout(() => {
      console.error(`\n${b.file}: no result after ${b.timeoutSec} s: stopping it`);
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, b.timeoutSec * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(home, { recursive: true, force: true });
      let r: BenchResult | null = null;
      try {
        r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as BenchResult;
        fs.rmSync(resultFile, { force: true });
      } catch {
        /* reported below */
      }
      resolve(
        r ?? {
          id: b.file.replace(/\.ts$/, ''),
          figure: b.figure,
          probeLab: 'no result',
          baseline: '-',
          ratio: '-',
          target: '-',
          met: false,
          method: `bench exited with code ${code} after ${Math.round((Date.now() - t0) / 1000)} s without a result`,
          notes: [],
          quick: QUICK,
        },
      );
    });
  });
}

const metWord = (r: BenchResult) =>
  r.met === null ? `skipped${r.skipped ? `: ${r.skipped}` : ''}` : r.met ? 'yes' : '**NO (missed)**';
const cell = (s: string) => s.replace(/\|/g, '\\|');

function table(results: BenchResult[], meta: { at: string; durationSec: number; load: string }): string {
  const L: string[] = [];
  L.push(
    `Measured ${meta.at} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; whole run ${meta.durationSec} s; host load average before/after: ${meta.load}.${QUICK ? ' **BENCH_QUICK: shortened smoke run, not the target figures.**' : ''}`,
    '',
  );
  L.push('| Figure | Probe Lab | Baseline | Ratio | Target | Met? |', '|---|---|---|---|---|---|');
  for (const r of results)
    L.push(
      `| ${cell(r.figure)} | ${cell(r.probeLab)} | ${cell(r.baseline)} | ${cell(r.ratio)} | ${cell(r.target)} | ${cell(metWord(r))} |`,
    );
  const missed = results.filter((r) => r.met === false);
  L.push('');
  if (missed.length)
    L.push(
      `Targets missed: ${missed.map((r) => `${r.figure} (measured ${r.probeLab}; target ${r.target})`).join('; ')}.`,
      '',
    );
  L.push('Methods (full text in each bench file):', '');
  for (const r of results) L.push(`- ${r.figure}: ${r.method}`);
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.figure}: ${n}`));
  if (notes.length) L.push('', 'Further measurements:', '', ...notes);
  return `${L.join('\n')}\n`;
}

function updateReadme(md: string): void {
  const text = fs.existsSync(README) ? fs.readFileSync(README, 'utf8') : '';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  fs.writeFileSync(README, `${text.slice(0, a + START.length)}\n${md}${text.slice(b)}`);
}

const only = process.argv.slice(2);
const chosen = only.length ? BENCHES.filter((b) => only.some((o) => b.file.startsWith(o))) : BENCHES;
const load0 = os.loadavg()[0] ?? 0;
const t0 = Date.now();
const results: BenchResult[] = [];
for (const b of chosen) {
  console.log(`\n### ${b.file}${QUICK ? ' (BENCH_QUICK)' : ''}`);
  results.push(await runOne(b));
}
const meta = {
  at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  durationSec: Math.round((Date.now() - t0) / 1000),
  load: `${load0.toFixed(1)}/${(os.loadavg()[0] ?? 0).toFixed(1)}`,
};
const md = table(results, meta);
console.log(`\n${md}`);
fs.mkdirSync(RESULTS, { recursive: true });
fs.writeFileSync(path.join(RESULTS, 'latest.md'), md);
fs.writeFileSync(
  path.join(RESULTS, 'latest.json'),
  `${JSON.stringify({ ...meta, quick: QUICK, results }, null, 2)}\n`,
);
if (!QUICK && !only.length) {
  fs.writeFileSync(
    LATEST,
    `# Latest benchmark table\n\nWritten by \`npm run bench\` (bench/run-all.ts); do not edit by hand.\n\n${md}`,
  );
  updateReadme(md);
}
const crashed = results.filter((r) => r.probeLab === 'no result' || r.probeLab === 'error');
process.exitCode = crashed.length ? 1 : 0;
