/**
 * Honest stresstest output, for testing the stub audit in the direction that matters most: it must
 * not call real measurements stubs. Each suite prints seed 002's enhanced (Appendix B) format with
 * numbers measured here and now, so they vary the way measurements do:
 * - memory: real Buffer allocations (sizes from crypto.randomInt, pages touched) against a fixed
 *   arena; an allocation that would pass the OOM line triggers a compaction that frees a random
 *   share of the chunks; allocation latency is timed with hrtime;
 * - learning: an epsilon-greedy bandit choosing the chunk size for hashing a buffer; its reward is
 *   the throughput it measured, so it learns which size is fastest on this machine;
 * - chaos: a random schedule (crypto) of fault types, each followed by real work whose duration is
 *   the recovery time, failing for about `failRate` of events.
 * Nothing here is the product; it is the ground truth the audit's false-positive rate is measured on.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HonestOptions {
  durationMs: number;
  targetPressure: number;
  episodes: number;
  /** Percent of chaos events whose recovery fails. */
  failRate: number;
}

export const DEFAULT_HONEST: HonestOptions = {
  durationMs: 300,
  targetPressure: 85,
  episodes: 12,
  failRate: 15,
};

/** The arena the memory suite fills: small enough for a shared 2-core test machine. */
const ARENA_BYTES = 48 * 1024 * 1024;
/** Pressure at which an allocation counts as an OOM event (the seed kernel panics at 98). */
const OOM_AT = 0.95;
const PRESSURE_SAMPLES = 8;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const thousands = (n: number): string => n.toLocaleString('en-US');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export async function honestMemory(o: HonestOptions = DEFAULT_HONEST): Promise<string> {
  const L = [
    `=== Memory Stress Test ===`,
    `Duration: ${o.durationMs} ms`,
    `Target Pressure: ${o.targetPressure}%`,
    '',
  ];
  L.push('[MEMORY] Starting allocation loop...');
  const chunks: Buffer[] = [];
  let used = 0;
  let oom = 0;
  const recovered: string[] = [];
  const latencies: number[] = [];
  const samples: number[] = [];
  const start = now();
  let nextSample = o.durationMs / PRESSURE_SAMPLES;
  while (now() - start < o.durationMs) {
    const size = randomInt(256 * 1024, 4 * 1024 * 1024);
    if (used + size > ARENA_BYTES * OOM_AT) {
      oom++;
      L.push(`[MEMORY] OOM event #${oom} - triggering compaction (${secs(now() - start)})`);
      let freed = 0;
      for (let i = chunks.length - 1; i >= 0; i--) {
        if (randomInt(2) === 0) continue;
        freed += chunks[i]!.length;
        chunks.splice(i, 1);
      }
      used -= freed;
      const mb = (freed / (1024 * 1024)).toFixed(1);
      recovered.push(mb);
      L.push(`[MEMORY] Compaction recovered ${mb} MB (${secs(now() - start)})`);
      continue;
    }
    const t0 = process.hrtime.bigint();
    const b = Buffer.allocUnsafe(size);
    b.fill(randomInt(256));
    latencies.push(Number(process.hrtime.bigint() - t0));
    chunks.push(b);
    used += size;
    if (now() - start >= nextSample) {
      const p = Math.floor((used / ARENA_BYTES) * 100);
      samples.push(p);
      L.push(`[MEMORY] Pressure: ${p}% (${secs(now() - start)})`);
      nextSample += o.durationMs / PRESSURE_SAMPLES;
    }
    await new Promise((r) => setImmediate(r));
  }
  L.push(`[MEMORY] Test duration reached (${secs(now() - start)})`, '');
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = recovered.reduce((s, x) => s + Number(x), 0);
  L.push(
    '[STRESS TEST] Memory test complete',
    `  Peak Pressure: ${Math.max(0, ...samples)}%`,
    `  Average Pressure: ${samples.length ? Math.round(samples.reduce((s, x) => s + x, 0) / samples.length) : 0}%`,
    `  OOM Events: ${oom}`,
    `  Compaction Triggers: ${oom}`,
    `  Memory Recovered: ${total.toFixed(1)} MB`,
    '',
    '  Allocation Latency:',
    `    p50: ${thousands(pct(sorted, 0.5))} ns`,
    `    p95: ${thousands(pct(sorted, 0.95))} ns`,
    `    p99: ${thousands(pct(sorted, 0.99))} ns`,
    `    max: ${thousands(sorted[sorted.length - 1] ?? 0)} ns`,
    '',
    '  Status: PASS',
  );
  return L.join('\n');
}

/** Chunk sizes the bandit chooses among for hashing; which is fastest depends on the machine. */
const ARMS = [512, 4096, 65536, 262144];

export async function honestLearning(o: HonestOptions = DEFAULT_HONEST): Promise<string> {
  const L = ['=== Learning Validation Stress Test ===', `Episodes: ${o.episodes}`, ''];
  const data = randomBytes(256 * 1024);
  const value = ARMS.map(() => 0);
  const pulls = ARMS.map(() => 0);
  const episodeMs = o.durationMs / o.episodes;
  let decisions = 0;
  const rewards: number[] = [];
  for (let e = 0; e < o.episodes; e++) {
    const epsilon = Math.max(0.05, 0.5 * (1 - e / o.episodes));
    let reward = 0;
    const start = now();
    while (now() - start < episodeMs) {
      const explore = randomInt(1000) < epsilon * 1000;
      const arm = explore ? randomInt(ARMS.length) : value.indexOf(Math.max(...value));
      const t0 = now();
      const h = createHash('sha256');
      for (let i = 0; i < data.length; i += ARMS[arm]!) h.update(data.subarray(i, i + ARMS[arm]!));
      h.digest();
      // Reward: MB hashed per second, measured; the bandit's estimate is its running mean.
      const r = Math.round(data.length / 1024 / 1024 / ((now() - t0) / 1000) / 10);
      pulls[arm]!++;
      value[arm]! += (r - value[arm]!) / pulls[arm]!;
      reward += r;
      decisions++;
      await new Promise((res) => setImmediate(res));
    }
    rewards.push(reward);
    L.push(
      `Episode ${e}: reward=${reward} (${epsilon > 0.3 ? 'exploring' : epsilon > 0.1 ? 'learning' : 'exploiting'})`,
    );
  }
  const total = rewards.reduce((s, x) => s + x, 0);
  L.push(
    '',
    '[STRESS TEST] Learning validation complete',
    `  Total Rewards: ${thousands(total)}`,
    `  Decisions Made: ${thousands(decisions)}`,
    `  Avg Reward/Decision: ${(total / Math.max(1, decisions)).toFixed(2)}`,
    '',
    '  Status: PASS',
  );
  return L.join('\n');
}

const FAULTS = [
  'Memory spike',
  'Command burst',
  'Deadline pressure',
  'Hot retrain',
  'Network partition',
  'Memory release',
  'Autonomy flip',
  'Disk I/O stall',
  'Telemetry storm',
];

export async function honestChaos(o: HonestOptions = DEFAULT_HONEST): Promise<string> {
  const L = [
    '=== Chaos Engineering Stress Test ===',
    `Duration: ${o.durationMs} ms`,
    `Failure injection rate: ${o.failRate}%`,
    '',
  ];
  const recoveries: number[] = [];
  const failures = new Map<string, number>();
  let n = 0;
  const start = now();
  while (now() - start < o.durationMs) {
    n++;
    const fault = FAULTS[randomInt(FAULTS.length)]!;
    const t0 = now();
    // The recovery: a random amount of real work and a real wait, timed.
    createHash('sha256')
      .update(randomBytes(randomInt(1024, 512 * 1024)))
      .digest();
    await sleep(randomInt(0, 4));
    const ms = Math.max(1, Math.round(now() - t0));
    if (randomInt(10_000) < o.failRate * 100) {
      const reason = fault.startsWith('Memory') ? 'OOM' : 'timeout';
      failures.set(`${fault} ${reason}`, (failures.get(`${fault} ${reason}`) ?? 0) + 1);
      L.push(
        `[CHAOS] Event #${n}: ${fault} → FAILED (${reason === 'OOM' ? 'OOM' : `timeout after ${ms} ms`})`,
      );
    } else {
      recoveries.push(ms);
      L.push(`[CHAOS] Event #${n}: ${fault} → Recovered (${ms} ms)`);
    }
  }
  const failed = n - recoveries.length;
  const sorted = [...recoveries].sort((a, b) => a - b);
  L.push(
    '',
    '[STRESS TEST] Chaos engineering complete',
    `  Total events: ${n}`,
    `  Successful recoveries: ${recoveries.length}`,
    `  Failed recoveries: ${failed}`,
    `  Recovery success rate: ${((recoveries.length / n) * 100).toFixed(1)}%`,
    '',
    `  Average recovery time: ${Math.round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length))} ms`,
    '  Recovery time percentiles:',
    `    p50: ${pct(sorted, 0.5) ?? 0} ms`,
    `    p95: ${pct(sorted, 0.95) ?? 0} ms`,
    `    p99: ${pct(sorted, 0.99) ?? 0} ms`,
  );
  if (failures.size > 0) {
    L.push('', '  Failure breakdown:');
    for (const [what, count] of failures) L.push(`    - ${what}: ${count} occurrences`);
  }
  L.push('', `  Status: ${failed === 0 ? 'PASS' : 'PARTIAL PASS'}`);
  return L.join('\n');
}

/** One console session running the three suites, prompts included. */
export async function honestSession(o: HonestOptions = DEFAULT_HONEST): Promise<string> {
  return [
    `sis> stresstest memory --duration ${o.durationMs}`,
    await honestMemory(o),
    `sis> stresstest learning --episodes ${o.episodes}`,
    await honestLearning(o),
    `sis> stresstest chaos --duration ${o.durationMs} --fail-rate ${o.failRate}`,
    await honestChaos(o),
    'sis> ',
  ].join('\n');
}

const NOISE = [
  'virtio_net: link up',
  '[NET] rx 12 packets',
  'sched: tick rebalance cpu0',
  '[WATCHDOG] pet',
  'INFO telemetry: flushed 64 records',
];

/**
 * What a real console adds: other subsystems' log lines between the suite's lines (kernel
 * timestamps), colour codes around headers and status, and CRLF when `crlf` is set.
 */
export function addConsoleNoise(text: string, opts: { crlf?: boolean; ansi?: boolean } = {}): string {
  let t = 0;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let l = line;
    if (opts.ansi) {
      l = l.replace(/^(=== .* ===)$/, '\x1b[1;36m$1\x1b[0m').replace(/^(sis>)/, '\x1b[33m$1\x1b[0m');
      l = l.replace(/Status: (.*)$/, 'Status: \x1b[32m$1\x1b[0m');
    }
    out.push(l);
    if (randomInt(5) === 0) {
      t += randomInt(1, 2000) / 1000;
      const noise = NOISE[randomInt(NOISE.length)]!;
      out.push(
        noise.startsWith('INFO')
          ? `2026-11-30T10:00:${String(randomInt(60)).padStart(2, '0')}Z ${noise}`
          : `[${t.toFixed(6).padStart(12)}] ${noise}`,
      );
    }
  }
  return out.join(opts.crlf ? '\r\n' : '\n') + (opts.crlf ? '\r\n' : '\n');
}
