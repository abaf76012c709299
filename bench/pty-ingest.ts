/**
 * pty ingest: bytes per second the engine takes from a target that floods its terminal.
 *
 * Method: a real ProbeRun with one bundled workload agent (`--flood-bytes B --run-sec 0`, 100-byte
 * lines, 64 KiB writes) on node-pty; the engine keeps every byte in the run's output log. The rate
 * is B over the time from the first output the run emits to the agent's `flood-done` protocol line
 * reaching the engine (all flood bytes precede it on the terminal). This process's RSS is sampled
 * every 50 ms from before the run to its end: peak growth must stay under 50 MB. Afterwards the
 * output log is read back and its 'T' bytes counted against the exact number the agent wrote (no
 * lost bytes). Baselines in the same run, from a file holding the same bytes: `cat F | cat
 * >/dev/null` (a pipe), `script -qfec "cat F" /dev/null >/dev/null` (cat through a pty, read by a C
 * reader: the physical limit; run before and after the engine and averaged, as the host may be
 * shared), and node-pty reading raw in this process with no engine behind it, both `cat F` and the
 * same agent flood (which separates the writer's cost from the engine's). Ratio is against the pty
 * baseline. Target: >= 0.8x the pty baseline, peak RSS growth < 50 MB over
 * 1 GB, no lost bytes. BENCH_QUICK floods 200 MB.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { resourcesDir } from '../main/util/paths';
import { agent, makePlan, newRun } from '../test/integration/helpers';
import { MB, QUICK, fmt, ratio, rssWatch, runBench, tempDir, timeCommand, type BenchResult } from './lib';

const ID = 'pty-ingest';
const FIGURE = 'pty ingest (telemetry storm)';
const TARGET = '>= 0.8x pty baseline; peak RSS growth < 50 MB; 0 bytes lost';
const CHUNK = 65_500; // the agent's write: 655 lines of 100 bytes
const FLOOD_BYTES = (QUICK ? 3_054 : 15_267) * CHUNK; // ~200 MB / ~1 GB, whole chunks
const LINE = `${'T'.repeat(99)}\n`;

function writeSource(file: string): void {
  const chunk = Buffer.from(LINE.repeat(CHUNK / LINE.length));
  const fd = fs.openSync(file, 'w');
  for (let sent = 0; sent < FLOOD_BYTES; sent += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

function countByte(file: string, byte: number): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(16 * MB);
  let count = 0;
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) {
    for (let at = buf.indexOf(byte, 0); at !== -1 && at < n; at = buf.indexOf(byte, at + 1)) count++;
  }
  fs.closeSync(fd);
  return count;
}

/** node-pty reading a command raw with nothing behind it: bytes received and ms from first byte. */
function nodePtyRaw(
  file: string,
  args: string[],
  cwd: string,
  until?: string,
): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve) => {
    let t0 = 0;
    let bytes = 0;
    let doneAt = 0;
    const p = pty.spawn(file, args, {
      name: 'xterm',
      cols: 120,
      rows: 40,
      cwd,
      env: { PATH: '/usr/bin:/bin' },
    });
    p.onData((d) => {
      t0 ||= performance.now();
      bytes += d.length;
      if (until && !doneAt && d.includes(until)) doneAt = performance.now();
    });
    p.onExit(() => resolve({ bytes, ms: (doneAt || performance.now()) - t0 }));
  });
}

const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

runBench(ID, FIGURE, TARGET, async (): Promise<BenchResult> => {
  const dir = tempDir('ingest');
  const src = path.join(dir, 'flood.txt');
  writeSource(src);

  // ---- baselines ----
  const pipe = await timeCommand('/bin/sh', ['-c', `cat '${src}' | cat >/dev/null`]);
  const catPty = () =>
    timeCommand('/bin/sh', ['-c', `script -qfec "cat '${src}'" /dev/null >/dev/null`], {
      timeoutMs: 300_000,
    });
  const scriptBefore = await catPty();
  const raw = await nodePtyRaw('/bin/cat', [src], dir);
  const agentFile = path.join(resourcesDir(), 'agents', 'workload-agent.mjs');
  const agentRaw = await nodePtyRaw(
    process.execPath,
    [agentFile, '--flood-bytes', String(FLOOD_BYTES), '--run-sec', '0'],
    dir,
    'flood-done',
  );

  // ---- Probe Lab ----
  const out = path.join(dir, 'reports');
  const plan = makePlan({
    id: 'bench-ingest',
    targets: [
      agent('storm', ['--flood-bytes', String(FLOOD_BYTES), '--run-sec', '0', '--heartbeat-ms', '1000'], {
        health: { type: 'alive' },
      }),
    ],
    run: { maxDurationSec: 600 },
    pulses: { cadenceSec: 5, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
    snapshots: { cadenceSec: 1 },
    sampling: { intervalMs: 1000 },
  });
  global.gc?.();
  const mem = rssWatch(50);
  const run = newRun(plan, out);
  let firstAt = 0;
  let doneAt = 0;
  run.onDidOutput(() => {
    if (!firstAt) firstAt = performance.now();
  });
  run.onDidRecord((r) => {
    if (r.type === 'event' && r.event.kind === 'agent.flood-done' && !doneAt) doneAt = performance.now();
  });
  const c0 = process.cpuUsage();
  const result = await run.run();
  const cpu = process.cpuUsage(c0);
  const engineCpuSec = (cpu.user + cpu.system) / 1e6;
  const { peak, start } = mem.stop();
  // The host may be shared: the pty baseline is taken before and after the engine and averaged.
  const scriptAfter = await catPty();
  fs.rmSync(src);
  const script = { ms: (scriptBefore.ms + scriptAfter.ms) / 2 };
  const log = path.join(run.runDir, 'output', 'storm-1.log');
  const logFile = fs.existsSync(log)
    ? log
    : path.join(run.runDir, 'output', fs.readdirSync(path.join(run.runDir, 'output'))[0] ?? '');
  const keptT = countByte(logFile, 0x54);
  const expectedT = (FLOOD_BYTES / LINE.length) * 99;
  const lost = expectedT - keptT;
  const ms = doneAt - firstAt;
  const lab = doneAt && firstAt ? mbps(FLOOD_BYTES, ms) : NaN;
  const growthMb = (peak - start) / MB;
  const scriptRate = mbps(FLOOD_BYTES, script.ms);
  fs.rmSync(dir, { recursive: true, force: true });
  const met = lab >= 0.8 * scriptRate && growthMb < 50 && lost === 0;
  return {
    id: ID,
    figure: FIGURE,
    probeLab: `${fmt(lab, 1)} MB/s; peak RSS +${fmt(growthMb, 1)} MB; lost ${fmt(lost, 0)} B`,
    baseline: `cat via pty ${fmt(scriptRate, 1)} MB/s; via pipe ${fmt(mbps(FLOOD_BYTES, pipe.ms), 0)} MB/s`,
    ratio: `${ratio(lab, scriptRate)} of pty; ${ratio(lab, mbps(FLOOD_BYTES, pipe.ms), 3)} of pipe`,
    target: TARGET,
    met,
    method: `ProbeRun, one workload-agent flooding ${fmt(FLOOD_BYTES / MB, 0)} MiB on node-pty, output kept in the run log; first output to flood-done line; RSS sampled every 50 ms; log read back and counted; vs cat|cat, script -qfec cat (pty, mean of before and after), node-pty raw.`,
    notes: [
      `cat via pty before/after the engine: ${fmt(mbps(FLOOD_BYTES, scriptBefore.ms), 1)} / ${fmt(mbps(FLOOD_BYTES, scriptAfter.ms), 1)} MB/s`,
      `node-pty raw read, no engine: of cat ${fmt(mbps(raw.bytes, raw.ms), 1)} MB/s; of the same workload-agent flood ${fmt(mbps(FLOOD_BYTES, agentRaw.ms), 1)} MB/s (engine/that = ${ratio(lab, mbps(FLOOD_BYTES, agentRaw.ms))}: the engine's own share of the gap)`,
      `engine CPU during the run: ${fmt(engineCpuSec, 2)} s for ${fmt(FLOOD_BYTES / MB, 0)} MiB`,
      `run verdict ${result.verdict}; RSS before ${fmt(start / MB, 0)} MB, peak ${fmt(peak / MB, 0)} MB; flood ${fmt(ms / 1000, 2)} s`,
    ],
    quick: QUICK,
  };
});
