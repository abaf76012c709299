/**
 * The lab kernel for real: Debian's kernel booted under QEMU (software emulation) on a real pty with
 * a real QMP socket. Setup runs first (idempotent; the first run downloads the kernel package).
 * Times are measured and printed, never asserted; assertions are on relations a user would notice.
 */
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelTargetSchema } from '../../main/model/plan';
import { isAlive, treePids } from '../../main/lab/process-tree';
import { KernelTarget } from '../../main/lab/kernel/kernel-target';
import { setupLabKernel } from '../../main/lab/kernel/setup';
import { commandFlood, cpuBurn, diskWrite, memoryPressure, readMeminfo } from '../../main/lab/kernel/stress';
import { diskStall, memorySpike, partitionNetwork, pauseVm } from '../../main/lab/kernel/vm-faults';
import type { Heartbeat } from '../../main/lab/kernel/serial';
import { runStresstest } from '../../main/kinds/stresstest/driver';
import { labKernelPaths } from '../../main/lab/kernel/paths';
import { parseUserKernel, userKernelTarget } from '../../main/lab/kernel/user-kernels';
import type { TargetSignal } from '../../main/lab/target';

const spec = (over: Record<string, unknown> = {}) =>
  KernelTargetSchema.parse({ id: 'kernel-it', kind: 'lab-kernel', ...over });
const workdir = () => fs.mkdtempSync(join(os.tmpdir(), 'kernel-it-'));
const log = (what: string, value: unknown) => console.log(`[kernel] ${what}: ${JSON.stringify(value)}`);

/** QEMU processes whose command line names this target's QMP socket folder. */
function qemuProcessesFor(args: string[]): number[] {
  const sock = args[args.indexOf('-qmp') + 1] ?? '';
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(sock) && isAlive(Number(name))) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

beforeAll(async () => {
  const r = await setupLabKernel({ log: (l) => console.log(`[setup] ${l}`) });
  log('setup', { changed: r.changed, ms: Math.round(r.ms), kernel: r.manifest.kernelRelease });
}, 300_000);

describe('lab kernel setup', () => {
  it('is idempotent: a second run changes nothing', async () => {
    const r = await setupLabKernel();
    expect(r.changed).toBe(false);
    expect(r.downloaded).toEqual([]);
  });
});

describe('lab kernel under QEMU', () => {
  let target: KernelTarget;
  let pid = 0;
  const heartbeats: Heartbeat[] = [];
  const signals: TargetSignal[] = [];

  beforeAll(async () => {
    target = new KernelTarget(spec(), { workdir: workdir() });
    target.onDidSignal((s) => signals.push(s));
    target.parser.onDidHeartbeat((hb) => heartbeats.push(hb));
    await target.start();
    pid = target.rootPids()[0] ?? 0;
    log('boot ms', Math.round(target.bootMs ?? -1));
  }, 90_000);

  afterAll(async () => {
    await target?.stop('completed');
    target?.dispose();
  });

  it('reaches the ready marker with its devices, and heartbeats once a second', async () => {
    expect(target.parser.ready?.line).toMatch(/LAB-KERNEL-READY/);
    expect(signals.some((s) => s.type === 'ready')).toBe(true);
    expect(target.hasDisk).toBe(true);
    expect(target.hasNic).toBe(true);
    const seen = heartbeats.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(heartbeats.length).toBeGreaterThan(seen);
    const seqs = heartbeats.map((h) => h.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('answers a pulse: QMP says running, the heartbeat is fresh, the round trip is timed', async () => {
    const h = await target.health(5000);
    log('pulse', h);
    expect(h.alive).toBe(true);
    expect(h.responsive).toBe(true);
    expect(h.rttMs).toBeGreaterThan(0);
    const p = await target.pulse(5000);
    expect(p.qmpStatus).toBe('running');
    expect(p.heartbeatAgeMs).toBeLessThan(3000);
  });

  it('creates real memory pressure: MemAvailable falls during the fill and comes back', async () => {
    const r = await memoryPressure(target, 50);
    log('memory pressure', r);
    expect(r.during).toBeLessThan(r.before);
    // The fill is held in RAM: MemAvailable falls by most of it.
    expect(r.before - r.during).toBeGreaterThan(r.fillMb * 1024 * 0.8);
    expect(r.after).toBeGreaterThan(r.during);
  });

  it('pauses the VM through QMP; the heartbeat gap covers the pause and the guest clock froze', async () => {
    const r = await pauseVm(target, 2000);
    log('pause', r);
    expect(r.statusWhilePaused).toBe('paused');
    expect(r.events).toEqual(expect.arrayContaining(['STOP', 'RESUME']));
    expect(r.heartbeatGapMs).not.toBeNull();
    expect(r.heartbeatGapMs as number).toBeGreaterThanOrEqual(r.pausedMs);
    expect(r.recoveredAfterMs).not.toBeNull();
    // Guest uptime advanced less than host time across the gap: the guest did not run while stopped.
    expect((r.guestUptimeAdvanceSec as number) * 1000).toBeLessThan(r.heartbeatGapMs as number);
    expect(r.rttAfterMs).not.toBeNull();
    expect((await target.qmp.queryStatus()).running).toBe(true);
  });

  it('floods commands: every command answered, each round trip timed', async () => {
    const r = await commandFlood(target, 30, 30);
    const sorted = [...r.rttUs].sort((a, b) => a - b);
    log('flood', { ...r, rttUs: undefined, p50Us: sorted[15], maxUs: sorted.at(-1) });
    expect(r.failed).toBe(0);
    expect(r.rttUs).toHaveLength(30);
    expect(r.rttUs.every((us) => us > 0)).toBe(true);
  });

  it('burns the guest CPU and reports the iterations its loop made', async () => {
    const r = await cpuBurn(target, 2);
    log('cpu burn', r);
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.ms).toBeGreaterThanOrEqual(1900);
  });

  it('stalls disk I/O with block throttling; the stalled write ends only after the throttle lifts', async () => {
    const w = await diskWrite(target, 8);
    log('disk write', w);
    const r = await diskStall(target, 1500);
    log('disk stall', r);
    expect(r.stalledWriteMs).toBeGreaterThan(r.baselineWriteMs);
    expect(r.stalledWriteMs).toBeGreaterThanOrEqual(r.stalledMs * 0.9);
  });

  it('partitions the network with set_link; pings fail during and recover after', async () => {
    const r = await partitionNetwork(target, 1500);
    log('partition', r);
    expect(r.pingBeforeMs).not.toBeNull();
    expect(r.pingDuringMs).toBeNull();
    expect(r.carrierDuring).toBe('0');
    expect(r.recoveredAfterMs).not.toBeNull();
  });

  it('spikes guest memory and sees MemAvailable recover on the heartbeat', async () => {
    const r = await memorySpike(target, 40, 1000);
    log('memory spike', r);
    expect(r.duringKb).toBeLessThan(r.baselineKb);
    expect(r.recoveredAfterMs).not.toBeNull();
  });

  it('shuts down through QMP quit and leaves no QEMU process', async () => {
    const args = target.describe().args;
    expect(qemuProcessesFor(args)).toEqual([pid]);
    await target.stop('completed');
    const exit = await target.exited;
    log('exit', exit);
    expect(exit.outcome).toBe('stopped');
    expect(exit.stopReason).toBe('completed');
    expect(isAlive(pid)).toBe(false);
    expect(treePids(pid)).toEqual([]);
    expect(qemuProcessesFor(args)).toEqual([]);
    expect(target.rootPids()).toEqual([]);
  });
});

describe('lab kernel failure paths', () => {
  it('reports KERNEL_NOT_READY when the ready marker never comes, and leaves no QEMU behind', async () => {
    const t = new KernelTarget(spec({ readyPattern: 'NEVER-PRINTED-MARKER', bootTimeoutSec: 4 }), {
      workdir: workdir(),
      devices: { disk: false, nic: false },
    });
    await expect(t.start()).rejects.toMatchObject({ code: 'KERNEL_NOT_READY' });
    const exit = await t.exited;
    expect(exit.outcome).toBe('stopped');
    expect(qemuProcessesFor(t.describe().args)).toEqual([]);
    t.dispose();
  });

  it('kills the process tree when QMP cannot quit it, and leaves no QEMU behind', async () => {
    const t = new KernelTarget(spec(), { workdir: workdir(), devices: { disk: false, nic: false } });
    await t.start();
    const args = t.describe().args;
    t.qmp.dispose(); // QMP gone: stop must fall back to SIGTERM/SIGKILL of the tree
    const t0 = performance.now();
    await t.stop('halt');
    const exit = await t.exited;
    log('stop without QMP ms', Math.round(performance.now() - t0));
    expect(exit.outcome).toBe('stopped');
    expect(exit.stopReason).toBe('halt');
    expect(qemuProcessesFor(args)).toEqual([]);
    t.dispose();
  });

  it('notices when QEMU dies under it: exited settles as failed and the pulse says not alive', async () => {
    const t = new KernelTarget(spec(), { workdir: workdir(), devices: { disk: false, nic: false } });
    await t.start();
    const pid = t.rootPids()[0] as number;
    // A command in flight when the console dies fails because the console closed, not at its timeout.
    const inFlight = t.shell.exec('sleep 30', 60_000);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, 'SIGKILL');
    await expect(inFlight).rejects.toMatchObject({
      code: 'KERNEL_SHELL_TIMEOUT',
      message: /closed: QEMU exited/,
    });
    const exit = await t.exited;
    expect(exit.outcome).toBe('failed');
    const h = await t.health(1000);
    expect(h.alive).toBe(false);
    expect(t.rootPids()).toEqual([]);
    t.dispose();
  });
});

describe('stresstest dialect (seed 002) on the lab kernel', () => {
  it('sends stresstest suites on the serial console and parses what the guest printed', async () => {
    const t = new KernelTarget(spec({ dialect: 'stresstest' }), {
      workdir: workdir(),
      devices: { disk: false, nic: false },
    });
    try {
      await t.start();
      const h = await t.health(5000);
      expect(h.responsive).toBe(true);
      const idle = await readMeminfo(t);
      const idlePct = ((idle.memTotalKb - idle.memAvailableKb) * 100) / idle.memTotalKb;
      const mem = await runStresstest(t, 'memory', { durationMs: 3000, targetPressurePct: 60 });
      log('stresstest memory', { command: mem.command, ms: Math.round(mem.ms), lines: mem.lines });
      expect(mem.parsed.ok).toBe(true);
      if (!mem.parsed.ok) return;
      expect(mem.parsed.value.kind).toBe('memory');
      const peak = mem.parsed.value.metrics.peak_pressure as number;
      // Real pressure: the peak is above what the idle guest showed before, by at least part of
      // what the script says it allocated, and never above the target plus one 4 MB step. (How far
      // it gets within the duration depends on how busy the host is.)
      const allocatedMb = mem.parsed.value.metrics.memory_allocated as number;
      expect(allocatedMb).toBeGreaterThan(0);
      const allocatedPct = ((allocatedMb * 1024) / idle.memTotalKb) * 100;
      expect(peak).toBeGreaterThan(idlePct + allocatedPct * 0.5);
      expect(peak).toBeLessThanOrEqual(63);
      const cmd = await runStresstest(t, 'commands', { durationMs: 1500, ratePerSec: 40 });
      expect(cmd.parsed.ok && cmd.parsed.value.metrics.commands_sent).toBeGreaterThan(0);
      // Every suite is implemented now: chaos runs a seeded schedule of real, timed events.
      const chaos = await runStresstest(t, 'chaos', { durationMs: 1500, failRatePct: 50, seed: 3 });
      expect(chaos.parsed.ok && chaos.parsed.value.events.length).toBeGreaterThan(0);
    } finally {
      await t.stop('completed');
      t.dispose();
    }
  });
});

describe('a kernel registered by the user', () => {
  it('boots from explicit kernel and initrd paths with its own ready pattern and answers a pulse', async () => {
    const paths = labKernelPaths();
    const entry = parseUserKernel({
      name: 'my-kernel',
      kernel: paths.vmlinuz,
      initrd: paths.initramfs,
      memoryMb: 192,
      readyPattern: 'LAB-KERNEL-READY kernel=',
      promptPattern: '# $',
    });
    expect(entry.ok).toBe(true);
    if (!entry.ok) return;
    const t = new KernelTarget(userKernelTarget(entry.value), { workdir: workdir() });
    try {
      await t.start();
      expect(t.describe().args).toEqual(expect.arrayContaining(['-m', '192', '-kernel', paths.vmlinuz]));
      // No scratch devices for a user's kernel unless asked for.
      expect(t.hasDisk).toBe(false);
      const h = await t.health(5000);
      expect(h.alive).toBe(true);
      expect(h.responsive).toBe(true);
    } finally {
      await t.stop('completed');
      t.dispose();
    }
  });
});
