/**
 * Shared pieces of the benchmarks: a private PROBE_LAB_HOME, the result shape every bench reports,
 * percentiles, wall/CPU timing, and CPU burners for "under full load" figures.
 *
 * Every bench runs alone (`node bin/run-ts.mjs bench/<name>.ts`) or under bench/run-all.ts, which
 * passes BENCH_RESULT_FILE so the bench leaves its result as JSON for the table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** BENCH_QUICK=1 shortens every bench for a smoke run; the figures are then not the targets'. */
export const QUICK = process.env.BENCH_QUICK === '1';

export interface BenchResult {
  id: string;
  figure: string;
  /** Probe Lab's figure, formatted with its unit. */
  probeLab: string;
  /** The baseline measured in the same run, formatted with its unit. */
  baseline: string;
  /** Probe Lab / baseline (or the other way round where noted in `ratioNote`). */
  ratio: string;
  target: string;
  /** null when skipped. */
  met: boolean | null;
  method: string;
  /** Extra measured figures worth keeping (secondary baselines, sub-targets). */
  notes: string[];
  skipped?: string;
  quick: boolean;
}

/** Each bench keeps its config and signing key in a temp folder, never the user's. */
export function useTempHome(): string {
  if (process.env.PROBE_LAB_HOME?.includes('probe-lab-bench-home-')) return process.env.PROBE_LAB_HOME;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-lab-bench-home-'));
  process.env.PROBE_LAB_HOME = home;
  return home;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `probe-lab-bench-${prefix}-`));
}

export function report(r: BenchResult): void {
  const met = r.met === null ? 'skipped' : r.met ? 'met' : 'MISSED';
  console.log(`\n== ${r.figure}${r.quick ? ' (BENCH_QUICK: shortened, not the target run)' : ''}`);
  if (r.skipped) console.log(`skipped: ${r.skipped}`);
  console.log(
    `  Probe Lab: ${r.probeLab}\n  baseline:  ${r.baseline}\n  ratio:     ${r.ratio}\n  target:    ${r.target} -> ${met}`,
  );
  for (const n of r.notes) console.log(`  note: ${n}`);
  console.log(`  method: ${r.method}`);
  if (r.met === false) console.log(`  TARGET MISSED: ${r.figure} measured ${r.probeLab}, target ${r.target}`);
  const out = process.env.BENCH_RESULT_FILE;
  if (out) fs.writeFileSync(out, JSON.stringify(r, null, 2));
}

/** Runs a bench's main, reporting a crash as a failed result rather than a silent gap. */
export function runBench(id: string, figure: string, target: string, main: () => Promise<BenchResult>): void {
  useTempHome();
  main()
    .then((r) => {
      report(r);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      report({
        id,
        figure,
        probeLab: 'error',
        baseline: '-',
        ratio: '-',
        target,
        met: false,
        method: `bench crashed: ${err instanceof Error ? err.message : String(err)}`,
        notes: [],
        quick: QUICK,
      });
      process.exit(1);
    });
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export const median = (xs: number[]): number => percentile(xs, 50);

export const fmt = (x: number, digits = 2): string =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
    : String(x);

export const ratio = (a: number, b: number, digits = 2): string =>
  b > 0 && Number.isFinite(a) ? `${fmt(a / b, digits)}x` : '-';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wall time of a child process run to completion (ms), with its exit code. */
export function timeCommand(
  file: string,
  args: string[],
  opts: { timeoutMs?: number } = {},
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, stdout, stderr });
    });
  });
}

/**
 * N busy-loop processes (N = cores by default) for "full CPU load on the host". Each one also ends
 * itself after `maxMs`, so a crashed bench cannot leave the host loaded; stop() kills them by pid.
 */
export function startBurners(
  maxMs: number,
  n = os.cpus().length,
): { pids: number[]; stop: () => Promise<void> } {
  const code = `const end = Date.now() + ${Math.round(maxMs)}; let x = 0; while (Date.now() < end) { x = (x * 1103515245 + 12345) % 2147483648; }`;
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) kids.push(spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
  return {
    pids: kids.map((k) => k.pid ?? -1),
    stop: async () => {
      await Promise.all(
        kids.map(
          (k) =>
            new Promise<void>((resolve) => {
              if (k.exitCode !== null || k.signalCode !== null) return resolve();
              k.once('exit', () => resolve());
              k.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

/** Samples this process's RSS every `everyMs` until stopped; returns the peak seen. */
export function rssWatch(everyMs = 50): { stop: () => { peak: number; start: number } } {
  const start = process.memoryUsage().rss;
  let peak = start;
  const t = setInterval(() => {
    const r = process.memoryUsage().rss;
    if (r > peak) peak = r;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(t);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { peak, start };
    },
  };
}

export const MB = 1024 * 1024;
