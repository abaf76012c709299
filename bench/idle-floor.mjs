// Floors for the observer bench (bench/observer-overhead.ts), each in a process of its own, plain
// JavaScript, its CPU from process.cpuUsage over the window (every thread of the process):
//   node bench/idle-floor.mjs pty <agents> <sec>   node-pty reading <agents> bundled workload
//       agents heartbeating every 1 s, and nothing else: what any engine that reads its targets'
//       output as it arrives pays before it records anything
//   node bench/idle-floor.mjs idle <sec>           a Node process that only waits (the runtime)
//   node bench/idle-floor.mjs tick <hz> <sec>      the same, woken <hz> times a second by a timer
//       that does nothing: the price of one wake-up on this machine
// Prints one JSON line: { pct, userMs, sysMs, wallSec, bytes }.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [mode, ...rest] = process.argv.slice(2);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ptys = [];
let bytes = 0;
let sec;
if (mode === 'pty') {
  const pty = await import('node-pty');
  const n = Number(rest[0]);
  sec = Number(rest[1]);
  const agentJs = path.join(root, 'resources', 'agents', 'workload-agent.mjs');
  for (let i = 0; i < n; i++) {
    const args = [agentJs, '--run-sec', String(sec + 30), '--heartbeat-ms', '1000'];
    const p = pty.spawn(process.execPath, args, { cwd: root, env: process.env });
    p.onData((d) => (bytes += d.length));
    ptys.push(p);
  }
  await sleep(4000); // every agent up and heartbeating
} else if (mode === 'idle') {
  sec = Number(rest[0]);
} else if (mode === 'tick') {
  sec = Number(rest[1]);
  const t = setInterval(() => {}, 1000 / Number(rest[0]));
  setTimeout(() => clearInterval(t), sec * 1000 + 500);
} else {
  process.stderr.write('usage: idle-floor.mjs pty <agents> <sec> | idle <sec> | tick <hz> <sec>\n');
  process.exit(2);
}
const c0 = process.cpuUsage();
const t0 = performance.now();
const b0 = bytes;
await sleep(sec * 1000);
const c = process.cpuUsage(c0);
const wallSec = (performance.now() - t0) / 1000;
for (const p of ptys) p.kill('SIGKILL');
process.stdout.write(
  `${JSON.stringify({ pct: (100 * (c.user + c.system)) / 1e6 / wallSec, userMs: c.user / 1e3, sysMs: c.system / 1e3, wallSec, bytes: bytes - b0 })}\n`,
);
process.exit(0);
