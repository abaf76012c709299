/**
 * The client of the file-check worker (resources/evidence/fs-check-worker.mjs): every read of a
 * path a target controls runs there, never on the engine's event loop, and every request has a
 * deadline. A request that misses it resolves with a "deadline missed" answer; the worker is then
 * killed and a fresh one started for the next request, so Halt, max duration and the guard rails
 * keep their timing whatever a target does to its files.
 *
 * The worker is a child process, not a worker thread: Node joins its worker threads on exit, so a
 * thread stuck in a kernel call (a read on a hung mount, a throttled disk) held the engine's exit
 * for as long as the call lasted (measured: `process.exit()` never returned while a worker thread
 * sat in open() on a FIFO). A stuck child is SIGKILLed and never waited for.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { resourcesDir } from '../util/paths';

/**
 * How long one check may take. Hashing the bundled governance folder takes 0.15 ms and a scan of
 * a 10,000-file working folder tens of ms; the deadline only bounds a check a target made slow (a
 * hung mount, a huge folder). Short enough that the end of a run (the after pulse, then the final
 * checks side by side) stays within 2 s of its max duration even when every check misses.
 */
export const CHECK_DEADLINE_MS = 1000;
/**
 * A killed worker still inside a kernel call lives until the call returns (a D-state process cannot
 * die sooner); past this many such, no new worker is started and each check answers "deadline
 * missed" at once, so a target cannot make the lab pile up processes.
 */
const MAX_ABANDONED_WORKERS = 3;

export type WorkerAnswer<T> = { ok: true; result: T; ms: number } | { ok: false; missed: string; ms: number };

interface Pending {
  resolve: (a: WorkerAnswer<unknown>) => void;
  timer: NodeJS.Timeout;
  t0: number;
}

let worker: ChildProcess | null = null;
let abandoned = 0;
let nextId = 1;
const pending = new Map<number, Pending>();

const workerFile = () => path.join(resourcesDir(), 'evidence', 'fs-check-worker.mjs');

function drop(w: ChildProcess, why: string): void {
  if (worker !== w) return;
  worker = null;
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    pending.delete(id);
    p.resolve({ ok: false, missed: why, ms: Math.round(performance.now() - p.t0) });
  }
}

function start(): ChildProcess {
  // No inherited flags (a test runner's or a loader's): the worker is plain JavaScript.
  const w = fork(workerFile(), [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  w.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    const ms = Math.round(performance.now() - p.t0);
    p.resolve(
      m.ok ? { ok: true, result: m.result, ms } : { ok: false, missed: `check failed: ${m.error}`, ms },
    );
  });
  w.on('error', (err) => drop(w, `check worker failed: ${String(err)}`));
  w.on('exit', (code) => drop(w, `check worker exited with code ${code}`));
  // Idle, the worker never keeps the engine alive (the deadline timer does while a check waits).
  // After the listeners: adding a 'message' listener refs the channel again.
  w.unref();
  w.channel?.unref();
  return w;
}

/** Sends one request to the worker; resolves with its answer or with a missed deadline. */
export function askWorker<T>(
  req: Record<string, unknown>,
  deadlineMs = CHECK_DEADLINE_MS,
): Promise<WorkerAnswer<T>> {
  const t0 = performance.now();
  if (abandoned >= MAX_ABANDONED_WORKERS)
    return Promise.resolve({
      ok: false,
      missed: `${abandoned} check workers are stuck: checks are no longer attempted in this process`,
      ms: 0,
    });
  try {
    worker ??= start();
  } catch (err) {
    // Never a rejection: a check that cannot run is a finding like any other.
    return Promise.resolve({ ok: false, missed: `check worker could not start: ${String(err)}`, ms: 0 });
  }
  const w = worker;
  const id = nextId++;
  return new Promise<WorkerAnswer<T>>((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      // Other requests queued behind the stuck one miss with it; the next request gets a new worker.
      drop(w, `another check on the same worker missed its ${deadlineMs} ms deadline`);
      abandoned++;
      w.once('exit', () => abandoned--);
      w.kill('SIGKILL');
      resolve({
        ok: false,
        missed: `missed its ${deadlineMs} ms deadline`,
        ms: Math.round(performance.now() - t0),
      });
    }, deadlineMs);
    pending.set(id, { resolve: resolve as Pending['resolve'], timer, t0 });
    w.send({ ...req, id });
  });
}

/** Stops the worker (tests, and a host that shuts down); a new one starts on the next request. */
export async function stopWorker(): Promise<void> {
  const w = worker;
  if (!w) return;
  drop(w, 'check worker stopped');
  if (w.exitCode !== null || w.signalCode !== null) return;
  const gone = new Promise<void>((r) => w.once('exit', () => r()));
  w.kill('SIGKILL');
  await gone;
}

/** The worker's pid while one runs: its CPU and memory are the engine's (benches add them). */
export function checkWorkerPid(): number | null {
  return worker?.pid ?? null;
}
