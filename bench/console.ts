/**
 * Console: frame times in the browser build while a run streams 10,000 pulse points and a
 * telemetry storm.
 *
 * Method: the built renderer served by a real `probe-lab serve --port 0` child (its own
 * PROBE_LAB_HOME holding the bench plan as a saved plan), opened in Debian's Chromium (headless,
 * through playwright-core, loopback only). The plan: one workload agent flooding its terminal for
 * the whole run and one idle agent, pulses planned in bursts of 20 every 150 ms (133 a second;
 * liveness checks so each is cheap). The engine delivers fewer than planned on a small host, so the
 * stream lasts until the console shows 10,000 pulse points (bounded at 100 s; the figure reports
 * how many it showed and the engine's pulse rate). The run is started through the UI as a person would
 * (plan, review, start, typed confirmation). In the page a requestAnimationFrame loop records
 * performance.now() deltas: the frame time. Probe Lab's figure is the p95 of frame times while the
 * run streams; the baseline is the same console, same page, idle for 5 s before the start. Ratio =
 * streaming p95 / idle p95. Target (issue 16): p95 frame <= 17 ms, no dropped frame at 60 Hz.
 * Without a built renderer or a working `serve` the bench prints "skipped: <reason>" and exits 0.
 * BENCH_QUICK streams 2,000 pulses.
 *
 * The pulse count is read from the strip's data-pulses (the strip draws only its newest cells, so
 * counting cells never reached 10,000 and the stream always ran to its bound). Each UI step has its
 * own short timeout naming the missing test id, and the whole bench a deadline under run-all's,
 * so a changed console fails in seconds with the step that broke instead of being killed silently.
 * BENCH_CONSOLE_TRACE=<file.json> also writes a Chromium performance trace of STREAM_TRACE_MS of
 * the stream (bench/console-trace.ts summarises it); tracing slows the frames it covers, so a traced
 * run's figure is not the figure.
 *
 * Frame times on a shared 2-core host swing with the host's load alone (the same build measured
 * p95 16.8 and 33.4 ms minutes apart at load average 13), so the notes also give what load does
 * not inflate: Chromium's CPU seconds per streamed second by process type (CDP
 * SystemInfo.getProcessInfo), the event-socket bytes the page took in, and the load average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumCpu, pageHeapMb } from './chromium-metrics';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/chromium';
import { projectRoot } from '../main/util/paths';
import { QUICK, fmt, percentile, ratio, runBench, sleep, tempDir, type BenchResult } from './lib';

const ID = 'console';
const FIGURE = 'Console frame times';
const TARGET = 'p95 frame <= 17 ms (no dropped frame at 60 Hz)';
/** Issue 16: the console's JS heap over a long run. */
const HEAP_TARGET_MB = 500;
/** A 24 h run's pulses at bench/soak.ts's rate (a burst of 3 every simulated minute). */
const DAY_OF_PULSES = 24 * 60 * 3;
/** Issue 16: one 60 Hz frame (16.7 ms) plus rAF jitter. */
const TARGET_P95_MS = 17;
const ROOT = projectRoot();
const PULSES = QUICK ? 2_000 : 10_000;
const BURST = 20;
/** 133 pulses a second: about what the engine sustains beside a storm on 2 cores (measured 143/s
 * when asked for 400/s, with nearly all of those skipped as late). Planning more turns the run
 * into a stream of PULSE_SKIPPED anomalies, which is not the figure asked for. */
const BURST_EVERY_SEC = 0.15;
/** The engine delivers what it can, so the stream runs until the
 * console shows PULSES points or this bound passes (then the figure says how many it got). */
const MAX_STREAM_SEC = QUICK ? 20 : 100;
const RUN_SEC = MAX_STREAM_SEC + 10;
const IDLE_MS = 5_000;
const PLAN_ID = 'bench-console-storm';
/** A UI step that takes longer than this means the console's flow changed, not that it is slow. */
const STEP_TIMEOUT_MS = 15_000;
/** Under run-all's 200 s for this bench, so a stuck bench still reports which step it was on. */
const DEADLINE_MS = 185_000;
/** The bench's own API calls (pulse count, halt): seen not to answer after a long storm. */
const API_TIMEOUT_MS = 10_000;
const TRACE_FILE = process.env.BENCH_CONSOLE_TRACE;
const STREAM_TRACE_MS = 6_000;
/** Into the stream, so the trace shows the page with most of its pulses (tracing slows those frames). */
const TRACE_AFTER_MS = QUICK ? 5_000 : 45_000;
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/;

function skipped(reason: string): BenchResult {
  return {
    id: ID,
    figure: FIGURE,
    probeLab: '-',
    baseline: '-',
    ratio: '-',
    target: TARGET,
    met: null,
    skipped: reason,
    method: 'skipped',
    notes: [],
    quick: QUICK,
  };
}

function plan() {
  return {
    id: PLAN_ID,
    title: 'Bench: console under a pulse stream and a telemetry storm',
    kind: 'concurrency',
    allowlist: ['workload-agent'],
    targets: [
      {
        id: 'storm',
        kind: 'agent',
        command: 'workload-agent',
        args: ['--flood-bytes', String(64 * 2 ** 30), '--run-sec', String(RUN_SEC + 5)],
        health: { type: 'alive' },
      },
      {
        id: 'idle',
        kind: 'agent',
        command: 'workload-agent',
        args: ['--run-sec', String(RUN_SEC + 5), '--heartbeat-ms', '500'],
        health: { type: 'alive' },
      },
    ],
    run: { maxDurationSec: RUN_SEC + 1 },
    pulses: {
      cadenceSec: BURST_EVERY_SEC,
      burst: { count: BURST, spacingSec: BURST_EVERY_SEC / BURST / 2 },
      after: 1,
      timeoutSec: 2,
    },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 1000 },
    thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
  };
}

function startServe(home: string, reports: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'probe-lab.mjs'), 'serve', '--port', '0', '--reports', reports],
      {
        cwd: ROOT,
        env: { ...process.env, PROBE_LAB_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`serve printed no address within 30 s: ${log.slice(-300)}`)),
      30_000,
    );
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = URL_PATTERN.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}): ${log.trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

/** Starts recording rAF frame deltas in the page; returns a function that collects them. */
async function recordFrames(page: Page): Promise<() => Promise<number[]>> {
  // Plain strings: tsx would wrap arrow functions in a __name helper the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  })()`);
  return async () => (await page.evaluate('(window.__stop = true, window.__frames)')) as number[];
}

async function haltRun(url: string, runId: string | null): Promise<void> {
  if (!runId) return;
  const u = new URL(url);
  await fetch(`${u.origin}/api/invoke/runs.halt`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${u.searchParams.get('token') ?? ''}`,
    },
    body: JSON.stringify({ runId }),
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  }).catch(() => undefined);
}

/** How many pulses the engine itself recorded, asked over the loopback API with the page's token. */
async function enginePulses(
  url: string,
  runId: string | null,
): Promise<{ total: number | string; skipped: number | string }> {
  if (!runId) return { total: '?', skipped: '?' };
  const u = new URL(url);
  try {
    const res = await fetch(`${u.origin}/api/invoke/runs.state`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${u.searchParams.get('token') ?? ''}`,
      },
      body: JSON.stringify({ runId }),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const reply = (await res.json()) as { ok: boolean; value?: { pulses?: { latencyClass: string }[] } };
    const pulses = reply.value?.pulses ?? [];
    return { total: pulses.length, skipped: pulses.filter((p) => p.latencyClass === 'skipped').length };
  } catch (err) {
    const why =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer in ${API_TIMEOUT_MS / 1000} s`
        : String(err);
    return { total: `? (runs.state: ${why})`, skipped: '?' };
  }
}

async function main(): Promise<BenchResult> {
  if (!fs.existsSync(path.join(ROOT, 'out', 'renderer', 'index.html')))
    return skipped('no built renderer (out/renderer/index.html): run `npm run build` first');
  if (!fs.existsSync(CHROMIUM)) return skipped(`no Chromium at ${CHROMIUM}`);
  const root = tempDir('console');
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(home, 'plans'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(home, 'plans', `${PLAN_ID}.json`), JSON.stringify(plan(), null, 2));
  let serve: { child: ChildProcess; url: string };
  try {
    serve = await startServe(home, path.join(root, 'reports'));
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    return skipped(`probe-lab serve not available: ${err instanceof Error ? err.message : String(err)}`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  let deadline: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const steps = new Steps();
    const overdue = new Promise<never>((_, reject) => {
      deadline = setTimeout(
        () => reject(new Error(`no result within ${DEADLINE_MS / 1000} s; stuck at step: ${steps.current}`)),
        DEADLINE_MS,
      );
    });
    return await Promise.race([drive(page, browser, serve.url, steps), overdue]);
  } finally {
    clearTimeout(deadline);
    await browser.close().catch(() => undefined);
    await stopServe(serve.child);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Names the step under way, logs it, and turns a selector timeout into a message that says which. */
class Steps {
  current = 'starting';
  private readonly t0 = Date.now();
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.current = name;
    console.error(`[console bench] ${((Date.now() - this.t0) / 1000).toFixed(1)} s: ${name}`);
    try {
      return await fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new Error(
        `step "${name}" failed: ${msg} (has the console's flow changed? compare test/e2e/browser/console.spec.ts)`,
      );
    }
  }
}

/** Clicks a test id, failing within STEP_TIMEOUT_MS if it never shows. */
async function click(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).click({ timeout: STEP_TIMEOUT_MS });
}

async function pulsesShown(page: Page): Promise<number> {
  return Number(
    await page.getByTestId('pulse-strip').getAttribute('data-pulses', { timeout: STEP_TIMEOUT_MS }),
  );
}

async function drive(page: Page, browser: Browser, url: string, steps: Steps): Promise<BenchResult> {
  // What the page had to take in: bytes of event-socket frames, counted from the browser's side.
  let wsBytes = 0;
  page.on('websocket', (ws) => ws.on('framereceived', (f) => (wsBytes += f.payload.length)));
  await steps.run('open the console', () => page.goto(url));
  await steps.run('Probes screen', () => click(page, 'nav-probes'));
  await steps.run(`pick plan ${PLAN_ID}`, () => click(page, `plan-item-${PLAN_ID}`));
  await steps.run('review', () => click(page, 'review-start'));

  const idle = await steps.run(`idle baseline ${IDLE_MS / 1000} s`, async () => {
    const collect = await recordFrames(page);
    await sleep(IDLE_MS);
    return collect();
  });

  await steps.run('start', () => click(page, 'start-button'));
  await steps.run('typed confirmation', async () => {
    await page.getByTestId('confirm-dialog').waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.getByTestId('confirm-input').fill(PLAN_ID, { timeout: STEP_TIMEOUT_MS });
    await click(page, 'confirm-submit');
  });
  const live = page.getByTestId('live-screen');
  const runId = await steps.run('live screen', async () => {
    await live.waitFor({ timeout: STEP_TIMEOUT_MS });
    return live.getAttribute('data-run-id');
  });
  await steps.run('first pulse on screen', () =>
    page.getByTestId('pulse-cell').first().waitFor({ timeout: STEP_TIMEOUT_MS }),
  );
  const cdp = await page.context().newCDPSession(page);
  const heap0 = await pageHeapMb(cdp, true);
  let heapMax = heap0;
  const runFrames = await recordFrames(page);
  const cpu0 = await chromiumCpu(browser);
  const ws0 = wsBytes;
  const load0 = os.loadavg()[0]?.toFixed(1);
  const t0 = Date.now();
  let shown = 0;
  await steps.run(`stream until ${PULSES} pulses show (bound ${MAX_STREAM_SEC} s)`, async () => {
    let traced = TRACE_FILE === undefined;
    while (shown < PULSES && Date.now() - t0 < MAX_STREAM_SEC * 1000) {
      if (!traced && Date.now() - t0 > TRACE_AFTER_MS) {
        traced = true;
        await browser.startTracing(page, { path: TRACE_FILE, screenshots: false });
        await sleep(STREAM_TRACE_MS);
        await browser.stopTracing();
      }
      await sleep(1000);
      shown = await pulsesShown(page);
      heapMax = Math.max(heapMax, await pageHeapMb(cdp, false));
    }
  });
  const frames = await runFrames();
  const heap1 = await pageHeapMb(cdp, true);
  const streamedSec = (Date.now() - t0) / 1000;
  const cpu1 = await chromiumCpu(browser);
  const wsRate = (wsBytes - ws0) / streamedSec / 1e6;
  const cpuNote = [...cpu1]
    .map(([type, sec]) => `${type} ${fmt((sec - (cpu0.get(type) ?? 0)) / streamedSec, 3)}`)
    .join(', ');
  const engine = await steps.run('engine pulse count', () => enginePulses(url, runId));
  await steps.run('halt', () => haltRun(url, runId));
  const p95 = percentile(frames, 95);
  const i95 = percentile(idle, 95);
  const over = frames.filter((f) => f > TARGET_P95_MS).length;
  return {
    id: ID,
    figure: FIGURE,
    probeLab: `p95 ${fmt(p95, 1)} ms (p50 ${fmt(percentile(frames, 50), 1)}, p99 ${fmt(percentile(frames, 99), 1)}, max ${fmt(Math.max(...frames), 0)}; ${frames.length} frames)`,
    baseline: `p95 ${fmt(i95, 1)} ms (same console idle; ${idle.length} frames)`,
    ratio: ratio(p95, i95),
    target: TARGET,
    met: p95 <= TARGET_P95_MS,
    method: `probe-lab serve + built renderer in headless Debian Chromium (playwright-core); run started through the UI; pulses planned at ${fmt(BURST / BURST_EVERY_SEC, 0)}/s (bursts of ${BURST} every ${BURST_EVERY_SEC * 1000} ms) until ${PULSES} show (bound ${MAX_STREAM_SEC} s) + a flooding agent; rAF frame deltas over the stream (${fmt(streamedSec, 0)} s) vs the same page idle ${IDLE_MS / 1000} s.`,
    notes: [
      `pulses on screen at the end: ${shown} (wanted ${PULSES}); pulses the engine had recorded: ${engine.total} (${engine.skipped} skipped), planned at ${fmt(BURST / BURST_EVERY_SEC, 0)}/s: the engine's sustained pulse rate here was ${fmt(Number(engine.total) / streamedSec, 0)}/s`,
      `event socket into the page: ${fmt(wsRate, 2)} MB/s; Chromium CPU while streaming, seconds per second: ${cpuNote}; host load average before/after the stream: ${load0} / ${os.loadavg()[0]?.toFixed(1)}`,
      `frames over ${TARGET_P95_MS} ms while streaming: ${over} of ${frames.length} (${fmt((100 * over) / frames.length, 1)}%)`,
      `console JS heap (issue 16: under ${HEAP_TARGET_MB} MB, flat): ${fmt(heap0, 1)} MB live before the stream, ${fmt(heap1, 1)} MB live after ${shown} pulses (a full GC before each read), at most ${fmt(heapMax, 1)} MB uncollected during it; ${shown >= DAY_OF_PULSES ? 'more pulses than' : 'fewer pulses than'} a 24 h run's ${DAY_OF_PULSES.toLocaleString('en-US')} (3 a minute); the console was not watched through the time-compressed 24 h soak itself`,
      ...(TRACE_FILE ? [`Chromium trace of ${STREAM_TRACE_MS / 1000} s of the stream: ${TRACE_FILE}`] : []),
    ],
    quick: QUICK,
  };
}

runBench(ID, FIGURE, TARGET, main);
