/**
 * Faults for a kernel target, each real and measured to recovery: a VM pause (QMP stop/cont, the
 * heartbeat gap measured on the serial stream), a disk I/O stall (QMP block throttling while the
 * guest writes), a network partition (QMP set_link while the guest pings its gateway) and a memory
 * spike (a tmpfs fill in the guest, released, watched on the heartbeat until MemAvailable is back).
 */
import { LabError } from '../../util/errors';
import type { KernelTarget } from './kernel-target';
import { DISK_ID, NIC_ID } from './qemu-command';
import type { Heartbeat } from './serial';
import { FILL_PATH, MAX_FILL_SHARE_PCT, diskWrite, readMeminfo } from './stress';

/** How long after the fault ends we wait for the first sign of recovery before calling it not recovered. */
export const RECOVERY_TIMEOUT_MS = 10_000;
/** A memory spike has recovered when MemAvailable is back within this share of its baseline. */
export const MEMORY_RECOVERED_SHARE = 0.95;
/** The slirp gateway every user-mode guest can ping. */
const GATEWAY = '10.0.2.2';
const SHELL_TIMEOUT_MS = 5_000;
/**
 * QEMU's throttle lets a request through whole before it makes the next one wait, so the stall
 * probe writes in small blocks: with 1 MB blocks a 1 MB write passes a 4 KB/s limit untouched.
 */
const STALL_BLOCK_KB = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nextHeartbeat(
  target: KernelTarget,
  after: number,
  accept: (hb: Heartbeat) => boolean,
  timeoutMs: number,
): Promise<Heartbeat | null> {
  return new Promise((resolve) => {
    const sub = target.parser.onDidHeartbeat((hb) => {
      if (hb.at > after && accept(hb)) finish(hb);
    });
    const timer = setTimeout(() => finish(null), timeoutMs);
    const finish = (hb: Heartbeat | null) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(hb);
    };
  });
}

export interface PauseResult {
  /** Requested pause. */
  requestedMs: number;
  /** From the answer to `stop` to the answer to `cont`. */
  pausedMs: number;
  /** Between the last heartbeat before the stop and the first after the cont (host clock). */
  heartbeatGapMs: number | null;
  /** From the answer to `cont` to the first heartbeat after it. */
  recoveredAfterMs: number | null;
  /** How far the guest clock advanced across the gap (it is frozen while stopped). */
  guestUptimeAdvanceSec: number | null;
  statusWhilePaused: string;
  events: string[];
  /** A shell round trip right after the first heartbeat: the guest answers again. */
  rttAfterMs: number | null;
}

/** Stops the VM through QMP, holds it for `ms`, continues it, and measures the heartbeat gap. */
export async function pauseVm(target: KernelTarget, ms: number): Promise<PauseResult> {
  if (!(ms > 0 && ms <= 600_000)) throw new LabError('USAGE', 'pause must be in (0, 600000] ms');
  const qmp = target.qmp;
  const events: string[] = [];
  const sub = qmp.onDidEvent((e) => events.push(e.event));
  try {
    await qmp.execute('stop');
    const stoppedAt = performance.now();
    const lastBefore = target.lastHeartbeat;
    const status = (await qmp.queryStatus()).status;
    await sleep(Math.max(0, ms - (performance.now() - stoppedAt)));
    await qmp.execute('cont');
    const contAt = performance.now();
    const first = await nextHeartbeat(target, contAt, () => true, RECOVERY_TIMEOUT_MS + 1000);
    let rttAfterMs: number | null = null;
    if (first)
      rttAfterMs = await target.shell.roundTrip(SHELL_TIMEOUT_MS).then(
        (r) => r.rttMs,
        () => null,
      );
    return {
      requestedMs: ms,
      pausedMs: contAt - stoppedAt,
      heartbeatGapMs: first && lastBefore ? first.at - lastBefore.at : null,
      recoveredAfterMs: first ? first.at - contAt : null,
      guestUptimeAdvanceSec:
        first && lastBefore ? Math.round((first.uptimeSec - lastBefore.uptimeSec) * 100) / 100 : null,
      statusWhilePaused: status,
      events,
      rttAfterMs,
    };
  } finally {
    sub.dispose();
    // Never leave a target frozen: if anything above failed midway, continue it.
    const st = await qmp.queryStatus().catch(() => null);
    if (st && !st.running && st.status === 'paused') await qmp.execute('cont').catch(() => {});
  }
}

export interface ThrottleSettings {
  /** Write limit in bytes per second; 0 removes every limit. */
  bpsWr: number;
}

/** Sets (or with bpsWr 0, removes) the write limit on the guest's scratch disk. */
export async function throttleDisk(target: KernelTarget, settings: ThrottleSettings): Promise<void> {
  if (!target.hasDisk)
    throw new LabError('KERNEL_DEVICE_MISSING', `${target.id}: the guest has no scratch disk`);
  await target.qmp.execute('block_set_io_throttle', {
    // The block backend hangs off the virtio device inside the PCI proxy, not the proxy itself.
    id: `${DISK_ID}/virtio-backend`,
    bps: 0,
    bps_rd: 0,
    bps_wr: settings.bpsWr,
    iops: 0,
    iops_rd: 0,
    iops_wr: 0,
  });
}

export interface DiskStallResult {
  requestedMs: number;
  probeMb: number;
  /** The same direct write with no throttle, before the stall. */
  baselineWriteMs: number;
  /** The direct write started as the stall began, from its start to its end. */
  stalledWriteMs: number;
  /** How long the throttle was in place. */
  stalledMs: number;
  /** From removing the throttle to the stalled write completing. */
  recoveredAfterMs: number;
  /** A fresh write after recovery, to compare with the baseline. */
  afterWriteMs: number;
}

/** Block throttling: throttles the disk almost to nothing while the guest writes, then lifts it. */
export async function diskStall(target: KernelTarget, ms: number, probeMb = 1): Promise<DiskStallResult> {
  const baseline = await diskWrite(target, probeMb, undefined, STALL_BLOCK_KB);
  // 4 KB/s: a 1 MB write would take minutes, so for the fault's duration the disk is stalled.
  await throttleDisk(target, { bpsWr: 4096 });
  const stallAt = performance.now();
  let liftedAt = 0;
  try {
    const write = diskWrite(target, probeMb, ms + RECOVERY_TIMEOUT_MS + SHELL_TIMEOUT_MS, STALL_BLOCK_KB);
    await Promise.race([
      write.then(
        () => undefined,
        () => undefined,
      ),
      sleep(ms),
    ]);
    await throttleDisk(target, { bpsWr: 0 });
    liftedAt = performance.now();
    const stalled = await write;
    const doneAt = performance.now();
    const after = await diskWrite(target, probeMb, undefined, STALL_BLOCK_KB);
    return {
      requestedMs: ms,
      probeMb,
      baselineWriteMs: baseline.ms,
      stalledWriteMs: stalled.ms,
      stalledMs: liftedAt - stallAt,
      recoveredAfterMs: doneAt - liftedAt,
      afterWriteMs: after.ms,
    };
  } finally {
    if (!liftedAt) await throttleDisk(target, { bpsWr: 0 }).catch(() => {});
  }
}

/** set_link on the guest's NIC. */
export async function setLink(target: KernelTarget, up: boolean): Promise<void> {
  if (!target.hasNic) throw new LabError('KERNEL_DEVICE_MISSING', `${target.id}: the guest has no NIC`);
  await target.qmp.execute('set_link', { name: NIC_ID, up });
}

async function pingOnce(target: KernelTarget): Promise<number | null> {
  const r = await target.shell.exec(`ping -c1 -W1 ${GATEWAY} 2>&1`, SHELL_TIMEOUT_MS);
  const m = r.lines.map((l) => /time=([\d.]+) ms/.exec(l)).find(Boolean);
  return r.exitCode === 0 && m?.[1] ? Number(m[1]) : null;
}

export interface PartitionResult {
  requestedMs: number;
  pingBeforeMs: number | null;
  /** The guest's ping during the partition (expected to fail: null). */
  pingDuringMs: number | null;
  /** The guest's view of the link during the partition (/sys/class/net/eth0/carrier). */
  carrierDuring: string | null;
  partitionedMs: number;
  /** From set_link up to the first ping the gateway answered. */
  recoveredAfterMs: number | null;
  pingAfterMs: number | null;
}

/** Network partition: link down for `ms` while the guest pings its gateway, then up until a ping answers. */
export async function partitionNetwork(target: KernelTarget, ms: number): Promise<PartitionResult> {
  const pingBeforeMs = await pingOnce(target);
  await setLink(target, false);
  const downAt = performance.now();
  let upAt = 0;
  try {
    const carrier = await target.shell.exec('cat /sys/class/net/eth0/carrier', SHELL_TIMEOUT_MS);
    const pingDuringMs = await pingOnce(target);
    await sleep(Math.max(0, ms - (performance.now() - downAt)));
    await setLink(target, true);
    upAt = performance.now();
    let pingAfterMs: number | null = null;
    while (pingAfterMs === null && performance.now() - upAt < RECOVERY_TIMEOUT_MS)
      pingAfterMs = await pingOnce(target);
    return {
      requestedMs: ms,
      pingBeforeMs,
      pingDuringMs,
      carrierDuring: carrier.lines[0] ?? null,
      partitionedMs: upAt - downAt,
      recoveredAfterMs: pingAfterMs !== null ? performance.now() - upAt : null,
      pingAfterMs,
    };
  } finally {
    if (!upAt) await setLink(target, true).catch(() => {});
  }
}

export interface MemorySpikeResult {
  sharePct: number;
  fillMb: number;
  baselineKb: number;
  /** MemAvailable while the spike was held. */
  duringKb: number;
  heldMs: number;
  /** From the release to the first heartbeat showing MemAvailable back near its baseline. */
  recoveredAfterMs: number | null;
  recoveredKb: number | null;
}

/** A memory spike in the guest: fill, hold for `ms`, release, watch the heartbeat until it recovers. */
export async function memorySpike(
  target: KernelTarget,
  sharePct: number,
  ms: number,
): Promise<MemorySpikeResult> {
  if (!(sharePct > 0 && sharePct <= MAX_FILL_SHARE_PCT))
    throw new LabError('USAGE', `spike share must be in (0, ${MAX_FILL_SHARE_PCT}]`);
  const before = await readMeminfo(target);
  const fillMb = Math.max(1, Math.floor((before.memTotalKb * sharePct) / 100 / 1024));
  const t0 = performance.now();
  try {
    await target.shell.check(
      `dd if=/dev/zero of=${FILL_PATH} bs=1M count=${fillMb} 2>/dev/null`,
      SHELL_TIMEOUT_MS + fillMb * 200,
    );
    const during = await readMeminfo(target);
    await sleep(Math.max(0, ms - (performance.now() - t0)));
    await target.shell.check(`rm -f ${FILL_PATH}`, SHELL_TIMEOUT_MS);
    const releasedAt = performance.now();
    const back = await nextHeartbeat(
      target,
      releasedAt,
      (hb) => hb.memAvailableKb >= before.memAvailableKb * MEMORY_RECOVERED_SHARE,
      RECOVERY_TIMEOUT_MS,
    );
    return {
      sharePct,
      fillMb,
      baselineKb: before.memAvailableKb,
      duringKb: during.memAvailableKb,
      heldMs: releasedAt - t0,
      recoveredAfterMs: back ? back.at - releasedAt : null,
      recoveredKb: back?.memAvailableKb ?? null,
    };
  } finally {
    await target.shell.exec(`rm -f ${FILL_PATH}`, SHELL_TIMEOUT_MS).catch(() => {});
  }
}
