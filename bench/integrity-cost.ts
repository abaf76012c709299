/**
 * The cost of one pulse's integrity check of the bundled quick plans' governance folder
 * (resources/governance with its SENTINEL), before and after the checks moved to the worker.
 *
 * Before: the old synchronous code path, reproduced here (readdir + readFileSync + SHA-256 on the
 * event loop). After: checkIntegrity() through the file-check worker (round trip included), and
 * the main event loop's own busy time during it (eventLoopUtilization), which is what a pulse
 * costs the engine now. Medians of N calls after a warm-up; the worker's first start separately.
 * Run: node bin/run-ts.mjs bench/integrity-cost.ts
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkIntegrity, takeBaseline } from '../main/evidence/integrity';
import { stopWorker } from '../main/evidence/fs-worker';
import { resourcesDir } from '../main/util/paths';

const N = 200;
const gov = path.join(resourcesDir(), 'governance');
const sentinel = path.join(gov, 'SENTINEL');

function oldSync(): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string, out: string[]) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, out);
      else if (e.isFile()) out.push(path.relative(gov, full));
    }
    return out;
  };
  for (const rel of walk(gov, []).sort()) {
    const c = fs.readFileSync(path.join(gov, rel));
    crypto.createHash('sha256').update(c).digest('hex');
    h.update(`${Buffer.byteLength(rel)}:${rel}\0${c.length}:`).update(c);
  }
  crypto.createHash('sha256').update(fs.readFileSync(sentinel)).digest('hex');
  return h.digest('hex');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const t0 = performance.now();
const base = await takeBaseline(gov, [sentinel]);
const firstMs = performance.now() - t0;
for (let i = 0; i < 20; i++) oldSync();
const before: number[] = [];
for (let i = 0; i < N; i++) {
  const t = performance.now();
  oldSync();
  before.push(performance.now() - t);
}
for (let i = 0; i < 20; i++) await checkIntegrity(base);
const after: number[] = [];
const elu0 = performance.eventLoopUtilization();
for (let i = 0; i < N; i++) {
  const t = performance.now();
  const c = await checkIntegrity(base);
  if (!c.ok) throw new Error(`integrity not ok: ${JSON.stringify(c.changed)}`);
  after.push(performance.now() - t);
}
const elu = performance.eventLoopUtilization(elu0);
await stopWorker();
const f = (ms: number) => `${ms.toFixed(3)} ms`;
console.log(`governance folder: ${gov} (+ SENTINEL), ${N} checks each`);
console.log(`before (sync, on the event loop): median ${f(median(before))}`);
console.log(`after (worker round trip):        median ${f(median(after))}`);
console.log(`after, main event loop busy:      ${f(elu.active / N)} per check`);
console.log(`worker start + first baseline:    ${f(firstMs)}`);
