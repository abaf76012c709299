#!/usr/bin/env node
// Probe Lab's bundled workload agent: a real process doing real, configurable work (CPU burned,
// memory held and touched, files written, run time, heartbeats, exit code, optional crash, hang,
// children, output flood). It reports nothing it did not do: every number it prints is read back
// from the process itself (process.cpuUsage, memoryUsage, the files on disk).
//
// Protocol on the terminal: lines `@lab {json}` are structured events; it answers `@lab ping <nonce>`
// on its input with `@lab {"type":"pong","nonce":"<nonce>"}`. Everything else is plain output.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';

const HELP = `workload-agent [options]
  --run-sec S         run time in seconds (default 5)
  --cpu-share F       share of one core to burn, 0..1 (default 0)
  --memory-mb M       memory to allocate, touch and hold (default 0)
  --files N           files to write into the working folder, spread over the run (default 0)
  --file-kb K         size of each file (default 4)
  --modify N          existing files (from --files) to rewrite near the end (default 0)
  --heartbeat-ms H    heartbeat period (default 1000)
  --exit-code C       exit code at the end (default 0)
  --crash-at-sec T    abort with SIGABRT at T seconds
  --hang-at-sec T     stop heartbeats and answering pings at T seconds, and never exit
  --children N        keep N child processes (sleep) alive while running (default 0)
  --flood-bytes B     print B bytes of telemetry as fast as the terminal takes them, then go on
  --flood-line-bytes L  bytes per flood line (default 100)
  --jitter F          vary each file write time by up to F of its slot (default 0.2), from real randomness
  --label X           free text echoed in heartbeats
  --serve-port P      answer HTTP GET with 200 on 127.0.0.1:P (and on $PROBE_LAB_NET_ADDR:P, the veth
                      address Probe Lab gives an agent in a network namespace of its own)

Chaos commands on the input (each bounded; ignored while hung):
  @lab spike cpu <ms> <share>   burn <share> (0..1) of one core for <ms>, then report spike-done
  @lab spike mem <mb> <ms>      allocate and touch <mb> MB, hold it <ms>, release it, report spike-done
  @lab flood <bytes>            print <bytes> of telemetry as fast as the terminal takes them
  @lab msg <text>               a message to read and discard (counted in heartbeats as messages)
  @lab spike io <ms> <kb>       write <kb> KB chunks + fdatasync into the working folder for <ms>,
                                then report spike-done with the bytes written and the slowest write`;

function parseArgs(argv) {
  const o = {
    runSec: 5, cpuShare: 0, memoryMb: 0, files: 0, fileKb: 4, modify: 0, heartbeatMs: 1000, exitCode: 0,
    crashAtSec: null, hangAtSec: null, children: 0, floodBytes: 0, floodLineBytes: 100, jitter: 0.2, label: '',
    servePort: 0,
  };
  const num = (name, v, min, max) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min || n > max) {
      console.error(`workload-agent: ${name} needs a number in [${min}, ${max}], got ${v}`);
      process.exit(64);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--run-sec': o.runSec = num(a, v, 0, 7 * 86400); i++; break;
      case '--cpu-share': o.cpuShare = num(a, v, 0, 1); i++; break;
      case '--memory-mb': o.memoryMb = num(a, v, 0, 8192); i++; break;
      case '--files': o.files = num(a, v, 0, 100000); i++; break;
      case '--file-kb': o.fileKb = num(a, v, 0, 1024 * 1024); i++; break;
      case '--modify': o.modify = num(a, v, 0, 100000); i++; break;
      case '--heartbeat-ms': o.heartbeatMs = num(a, v, 10, 3600000); i++; break;
      case '--exit-code': o.exitCode = num(a, v, 0, 255); i++; break;
      case '--crash-at-sec': o.crashAtSec = num(a, v, 0, 7 * 86400); i++; break;
      case '--hang-at-sec': o.hangAtSec = num(a, v, 0, 7 * 86400); i++; break;
      case '--children': o.children = num(a, v, 0, 64); i++; break;
      case '--flood-bytes': o.floodBytes = num(a, v, 0, 1e12); i++; break;
      case '--flood-line-bytes': o.floodLineBytes = num(a, v, 2, 65536); i++; break;
      case '--jitter': o.jitter = num(a, v, 0, 1); i++; break;
      case '--label': o.label = String(v ?? ''); i++; break;
      case '--serve-port': o.servePort = num(a, v, 1, 65535); i++; break;
      case '--help': console.log(HELP); process.exit(0); break;
      default:
        console.error(`workload-agent: unknown option ${a}\n${HELP}`);
        process.exit(64);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const t0 = performance.now();
const elapsedSec = () => (performance.now() - t0) / 1000;
const emit = (obj) => process.stdout.write(`@lab ${JSON.stringify(obj)}\n`);
let hung = false;
let seq = 0;
let messages = 0;
const written = [];
const children = [];

// Raw mode turns terminal echo off, so pings do not come back as output.
if (process.stdin.isTTY) process.stdin.setRawMode(true);
let inbuf = '';
process.stdin.on('data', (buf) => {
  inbuf += buf.toString('utf8');
  let idx;
  while ((idx = inbuf.search(/[\r\n]/)) >= 0) {
    const line = inbuf.slice(0, idx).trim();
    inbuf = inbuf.slice(idx + 1);
    const m = /^@lab ping (\S{1,64})$/.exec(line);
    if (m && !hung) emit({ type: 'pong', nonce: m[1], at: Date.now() });
    else if (!hung && line.startsWith('@lab ')) chaosCommand(line.slice(5));
    if (line === '\u0003') process.kill(process.pid, 'SIGINT');
  }
});

// Memory: allocate and touch every page so it is resident, not just reserved.
let held = null;
if (opts.memoryMb > 0) {
  held = Buffer.allocUnsafe(opts.memoryMb * 1024 * 1024);
  for (let i = 0; i < held.length; i += 4096) held[i] = i & 0xff;
}

for (let i = 0; i < opts.children; i++) {
  children.push(spawn('/bin/sleep', [String(Math.ceil(opts.runSec) + 3600)], { stdio: 'ignore' }));
}

// Files: spread over the run, each slot jittered by real randomness.
const fileTimes = [];
for (let i = 0; i < opts.files; i++) {
  const slot = (opts.runSec * 0.8) / Math.max(1, opts.files);
  const jitter = (crypto.randomInt(0, 1_000_001) / 1_000_000 - 0.5) * opts.jitter * slot;
  fileTimes.push(Math.max(0, slot * i + slot / 2 + jitter));
}
fileTimes.sort((a, b) => a - b);
function writeDueFiles() {
  while (fileTimes.length && fileTimes[0] <= elapsedSec()) {
    fileTimes.shift();
    const name = `out-${String(written.length + 1).padStart(4, '0')}.bin`;
    fs.writeFileSync(path.join(process.cwd(), name), crypto.randomBytes(opts.fileKb * 1024));
    written.push(name);
  }
}

function heartbeat() {
  if (hung) return;
  const cpu = process.cpuUsage();
  emit({
    type: 'heartbeat',
    seq: ++seq,
    at: Date.now(),
    uptimeSec: Number(elapsedSec().toFixed(3)),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rssKb: Math.round(process.memoryUsage().rss / 1024),
    filesWritten: written.length,
    label: opts.label || undefined,
    messages: messages || undefined,
  });
}

async function flood(bytes = opts.floodBytes) {
  const line = 'T'.repeat(Math.max(1, opts.floodLineBytes - 1)) + '\n';
  let sent = 0;
  while (sent < bytes) {
    const chunk = line.repeat(Math.max(1, Math.floor(65536 / line.length)));
    const part = chunk.slice(0, Math.min(chunk.length, bytes - sent));
    sent += part.length;
    if (!process.stdout.write(part)) await new Promise((r) => process.stdout.once('drain', r));
  }
  emit({ type: 'flood-done', bytes: sent, at: Date.now() });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Chaos commands: real load inside this process, bounded, each reported when it ends with what it
// measured. A released memory spike is collected at once, so RSS really falls back.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');
const CHAOS_MAX_MS = 600_000;
const CHAOS_MAX_MB = 4096;
const CHAOS_MAX_FLOOD = 1e9;
let flooding = false;

async function spikeCpu(ms, share) {
  const windowMs = 100;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    const busy = Math.min(windowMs * share, ms - (performance.now() - start));
    const until = performance.now() + busy;
    let x = 0;
    while (performance.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
    await sleep(Math.max(1, windowMs - busy));
  }
  const cpu = process.cpuUsage(cpu0);
  emit({ type: 'spike-done', kind: 'cpu', ms: Math.round(performance.now() - start), cpuMs: Math.round((cpu.user + cpu.system) / 1000), at: Date.now() });
}

async function spikeMem(mb, ms) {
  const start = performance.now();
  let buf = Buffer.allocUnsafe(mb * 1024 * 1024);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 0xff;
  const peakRssKb = Math.round(process.memoryUsage().rss / 1024);
  await sleep(ms);
  buf = null;
  collect();
  emit({ type: 'spike-done', kind: 'mem', mb, ms: Math.round(performance.now() - start), peakRssKb, rssKb: Math.round(process.memoryUsage().rss / 1024), at: Date.now() });
}

// Disk writes off the event loop (the libuv pool), so heartbeats and pongs go on while a write
// waits on a stalled disk; the file is rewritten in place so a long spike never fills the disk.
const IO_FILE_MAX = 8 * 1024 * 1024;
async function spikeIo(ms, kb) {
  const file = path.join(process.cwd(), '.io-spike.bin');
  const chunk = crypto.randomBytes(kb * 1024);
  const fh = await fs.promises.open(file, 'w');
  const start = performance.now();
  let bytes = 0;
  let slowestMs = 0;
  try {
    while (performance.now() - start < ms) {
      const w0 = performance.now();
      await fh.write(chunk, 0, chunk.length, bytes % IO_FILE_MAX);
      await fh.datasync();
      slowestMs = Math.max(slowestMs, performance.now() - w0);
      bytes += chunk.length;
    }
  } finally {
    await fh.close();
    await fs.promises.rm(file, { force: true });
  }
  const took = performance.now() - start;
  emit({ type: 'spike-done', kind: 'io', ms: Math.round(took), bytes, bytesPerSec: Math.round(bytes / (took / 1000)), slowestWriteMs: Math.round(slowestMs), at: Date.now() });
}

function serve(port) {
  const hosts = ['127.0.0.1', ...(process.env.PROBE_LAB_NET_ADDR ? [process.env.PROBE_LAB_NET_ADDR] : [])];
  for (const host of hosts) {
    const server = http.createServer((req, res) => res.end('ok\n'));
    server.on('error', (err) => process.stdout.write(`workload-agent: cannot serve on ${host}:${port}: ${err.message}\n`));
    server.listen(port, host);
    server.unref();
  }
  emit({ type: 'serving', port, hosts, at: Date.now() });
}

function chaosCommand(body) {
  const parts = body.split(/\s+/);
  const n = (v, min, max) => {
    const x = Number(v);
    return v !== undefined && Number.isFinite(x) && x >= min && x <= max ? x : null;
  };
  if (parts[0] === 'msg') {
    messages++;
  } else if (parts[0] === 'spike' && parts[1] === 'cpu') {
    const ms = n(parts[2], 1, CHAOS_MAX_MS);
    const share = n(parts[3], 0, 1);
    if (ms !== null && share !== null) void spikeCpu(ms, share);
  } else if (parts[0] === 'spike' && parts[1] === 'mem') {
    const mb = n(parts[2], 1, CHAOS_MAX_MB);
    const ms = n(parts[3], 0, CHAOS_MAX_MS);
    if (mb !== null && ms !== null) void spikeMem(mb, ms);
  } else if (parts[0] === 'spike' && parts[1] === 'io') {
    const ms = n(parts[2], 1, CHAOS_MAX_MS);
    const kb = n(parts[3], 1, 1024);
    if (ms !== null && kb !== null) void spikeIo(ms, kb);
  } else if (parts[0] === 'flood') {
    const bytes = n(parts[1], 1, CHAOS_MAX_FLOOD);
    if (bytes !== null && !flooding) {
      flooding = true;
      void flood(bytes).finally(() => (flooding = false));
    }
  }
}

async function main() {
  emit({ type: 'start', pid: process.pid, at: Date.now(), opts });
  const hb = setInterval(heartbeat, opts.heartbeatMs);
  heartbeat();
  if (opts.servePort) serve(opts.servePort);
  if (opts.floodBytes > 0) await flood();
  const windowMs = 100;
  let modified = false;
  while (elapsedSec() < opts.runSec) {
    if (opts.crashAtSec !== null && elapsedSec() >= opts.crashAtSec) {
      clearInterval(hb);
      process.stdout.write('workload-agent: crashing on request (SIGABRT)\n');
      process.kill(process.pid, 'SIGABRT');
      await sleep(10_000);
    }
    if (opts.hangAtSec !== null && elapsedSec() >= opts.hangAtSec) {
      hung = true;
      clearInterval(hb);
      process.stdout.write('workload-agent: hanging on request\n');
      await new Promise(() => {});
    }
    writeDueFiles();
    if (!modified && opts.modify > 0 && elapsedSec() >= opts.runSec * 0.9) {
      for (const name of written.slice(0, opts.modify)) fs.appendFileSync(path.join(process.cwd(), name), 'modified');
      modified = true;
    }
    const busyMs = windowMs * opts.cpuShare;
    const until = performance.now() + busyMs;
    let x = 0;
    while (performance.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
    if (held && x === -1) held[0] = 1; // keep the loop and the memory observably in use
    await sleep(Math.max(1, windowMs - busyMs));
  }
  writeDueFiles();
  clearInterval(hb);
  heartbeat();
  for (const c of children) c.kill('SIGTERM');
  const cpu = process.cpuUsage();
  emit({
    type: 'done',
    at: Date.now(),
    runSec: Number(elapsedSec().toFixed(3)),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    filesWritten: written.length,
    exitCode: opts.exitCode,
  });
  // Linger a moment after the last write: Probe Lab reads a terminal to its end after the exit only
  // where it could hold the terminal's slave side, and another reader may not at all.
  await new Promise((r) => process.stdout.write('', r));
  await sleep(100);
  process.exit(opts.exitCode);
}

process.on('SIGTERM', () => {
  for (const c of children) c.kill('SIGTERM');
  process.stdout.write('workload-agent: stopping on SIGTERM\n');
  process.exit(143);
});

main().catch((err) => {
  console.error(`workload-agent: ${err.stack || err}`);
  process.exit(70);
});
