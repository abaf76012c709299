/**
 * Guest-side stress through the serial shell. Every number comes from real guest output
 * (/proc/meminfo, dd's summary, the guest's own loop counter) or from the host clock around a
 * command; nothing is synthesised.
 */
import { LabError } from '../../util/errors';
import type { KernelTarget } from './kernel-target';
import { DISK_SIZE_MB } from './qemu-command';

/**
 * A fill above this share of MemTotal starts the guest's OOM killer on the shell itself (at boot
 * MemAvailable is about 89% of MemTotal with 256 MB).
 */
export const MAX_FILL_SHARE_PCT = 75;
/** Where the guest init mounts a tmpfs sized to 90% of RAM for fills. */
export const FILL_PATH = '/fill/lab-fill';
/** Guest commands that move memory or disk get this long per MB before they count as hung. */
const MS_PER_MB = 200;
const SHELL_TIMEOUT_MS = 5_000;

export interface MemInfo {
  memTotalKb: number;
  memAvailableKb: number;
  memFreeKb: number;
}

export function parseMeminfo(lines: string[]): MemInfo {
  const get = (key: string): number => {
    const line = lines.find((l) => l.startsWith(`${key}:`));
    const m = line ? /(\d+)\s*kB/.exec(line) : null;
    if (!m?.[1]) throw new LabError('KERNEL_SHELL_TIMEOUT', `guest /proc/meminfo has no ${key} line`);
    return Number(m[1]);
  };
  return { memTotalKb: get('MemTotal'), memAvailableKb: get('MemAvailable'), memFreeKb: get('MemFree') };
}

export async function readMeminfo(target: KernelTarget): Promise<MemInfo> {
  return parseMeminfo((await target.shell.check('cat /proc/meminfo', SHELL_TIMEOUT_MS)).lines);
}

/** busybox dd: "67108864 bytes (64.0MB) copied, 0.582 seconds, 110.0MB/s". */
export function parseDdSummary(lines: string[]): { bytes: number; seconds: number } | null {
  for (const l of lines) {
    const m = /^(\d+) bytes .*copied, ([\d.]+) seconds/.exec(l);
    if (m) return { bytes: Number(m[1]), seconds: Number(m[2]) };
  }
  return null;
}

export interface MemoryPressureResult {
  memTotalKb: number;
  sharePct: number;
  fillMb: number;
  /** MemAvailable (kB) before the fill, while it is held, and after it is removed. */
  before: number;
  during: number;
  after: number;
  /** Host-measured time of the dd that filled the tmpfs. */
  fillMs: number;
  /** dd's own figure for the same fill. */
  guestFillSeconds: number | null;
}

/** Fills a guest tmpfs to `sharePct` of MemTotal, reads MemAvailable back, removes the fill. */
export async function memoryPressure(target: KernelTarget, sharePct: number): Promise<MemoryPressureResult> {
  if (!(sharePct > 0 && sharePct <= MAX_FILL_SHARE_PCT))
    throw new LabError(
      'USAGE',
      `memory pressure share must be in (0, ${MAX_FILL_SHARE_PCT}] % of MemTotal, got ${sharePct}`,
    );
  const before = await readMeminfo(target);
  const fillMb = Math.max(1, Math.floor((before.memTotalKb * sharePct) / 100 / 1024));
  try {
    const fill = await target.shell.check(
      `dd if=/dev/zero of=${FILL_PATH} bs=1M count=${fillMb} 2>&1`,
      SHELL_TIMEOUT_MS + fillMb * MS_PER_MB,
    );
    const during = await readMeminfo(target);
    return {
      memTotalKb: before.memTotalKb,
      sharePct,
      fillMb,
      before: before.memAvailableKb,
      during: during.memAvailableKb,
      after: (await removeFill(target)).memAvailableKb,
      fillMs: fill.ms,
      guestFillSeconds: parseDdSummary(fill.lines)?.seconds ?? null,
    };
  } finally {
    await target.shell.exec(`rm -f ${FILL_PATH}`, SHELL_TIMEOUT_MS).catch(() => {});
  }
}

async function removeFill(target: KernelTarget): Promise<MemInfo> {
  await target.shell.check(`rm -f ${FILL_PATH}`, SHELL_TIMEOUT_MS);
  return readMeminfo(target);
}

export interface CommandFloodResult {
  requested: number;
  ratePerSec: number;
  /** Round trip of each answered command, µs, in send order. */
  rttUs: number[];
  failed: number;
  /** How late each send was against its schedule, summed (the shell answers one at a time). */
  totalSendLagMs: number;
  durationMs: number;
  achievedPerSec: number;
}

/** N commands at a target rate; each is sent after the previous prompt returned and timed to its answer. */
export async function commandFlood(
  target: KernelTarget,
  n: number,
  ratePerSec: number,
  timeoutMs = SHELL_TIMEOUT_MS,
): Promise<CommandFloodResult> {
  if (!(n >= 1 && ratePerSec > 0))
    throw new LabError('USAGE', `command flood needs n >= 1 and a positive rate`);
  const rttUs: number[] = [];
  let failed = 0;
  let lag = 0;
  const t0 = performance.now();
  const interval = 1000 / ratePerSec;
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lag -= wait;
    try {
      rttUs.push(Math.round((await target.shell.roundTrip(timeoutMs)).rttMs * 1000));
    } catch {
      failed++;
    }
  }
  const durationMs = performance.now() - t0;
  return {
    requested: n,
    ratePerSec,
    rttUs,
    failed,
    totalSendLagMs: lag,
    durationMs,
    achievedPerSec: (rttUs.length * 1000) / durationMs,
  };
}

export interface CpuBurnResult {
  seconds: number;
  /** Loop iterations the guest completed (its own counter, printed at the end). */
  iterations: number;
  /** Heartbeats that arrived while the burn ran, and the largest gap between them. */
  heartbeats: number;
  maxHeartbeatGapMs: number | null;
  load1After: number | null;
  ms: number;
}

/**
 * Burns the guest CPU for `seconds` in a shell loop that reads the guest clock with builtins only
 * (no fork per iteration), then prints how many iterations it made.
 */
export async function cpuBurn(target: KernelTarget, seconds: number): Promise<CpuBurnResult> {
  if (!(seconds > 0 && seconds <= 600)) throw new LabError('USAGE', 'cpu burn seconds must be in (0, 600]');
  const cs = Math.round(seconds * 100);
  const script =
    `read u _ </proc/uptime; e=$((\${u%.*}\${u#*.} + ${cs})); i=0; ` +
    `while read u _ </proc/uptime; [ \${u%.*}\${u#*.} -lt $e ]; do i=$((i+1)); done; echo LAB-CPU iterations=$i`;
  const beats: number[] = [];
  const sub = target.parser.onDidHeartbeat((hb) => beats.push(hb.at));
  try {
    const r = await target.shell.check(script, seconds * 1000 + SHELL_TIMEOUT_MS * 2);
    const m = r.lines.map((l) => /^LAB-CPU iterations=(\d+)/.exec(l)).find(Boolean);
    if (!m?.[1])
      throw new LabError(
        'KERNEL_SHELL_TIMEOUT',
        `cpu burn printed no iteration count: ${r.lines.slice(-2).join(' | ')}`,
      );
    let maxGap: number | null = null;
    for (let i = 1; i < beats.length; i++)
      maxGap = Math.max(maxGap ?? 0, (beats[i] as number) - (beats[i - 1] as number));
    return {
      seconds,
      iterations: Number(m[1]),
      heartbeats: beats.length,
      maxHeartbeatGapMs: maxGap,
      load1After: target.lastHeartbeat?.load1 ?? null,
      ms: r.ms,
    };
  } finally {
    sub.dispose();
  }
}

export interface DiskWriteResult {
  mb: number;
  bytes: number;
  /** Host-measured, write to end marker (includes one serial round trip, a few ms). */
  ms: number;
  /** dd's own figure, when the guest's dd prints a summary (Debian's static busybox does not). */
  guestSeconds: number | null;
  /** From the guest's figure when there is one, else from the host-measured time. */
  mbPerSec: number;
}

/** Direct (uncached) writes of `mb` MB to the guest's scratch disk /dev/vda. */
export async function diskWrite(
  target: KernelTarget,
  mb: number,
  timeoutMs?: number,
  blockKb = 1024,
): Promise<DiskWriteResult> {
  if (!target.hasDisk)
    throw new LabError('KERNEL_DEVICE_MISSING', `${target.id}: the guest has no scratch disk`);
  if (!(mb >= 1 && mb <= DISK_SIZE_MB))
    throw new LabError('USAGE', `disk write must be 1-${DISK_SIZE_MB} MB`);
  if (!(blockKb >= 4 && 1024 % blockKb === 0))
    throw new LabError('USAGE', 'disk write block size must divide 1024 kB and be at least 4 kB');
  const count = (mb * 1024) / blockKb;
  const r = await target.shell.check(
    `dd if=/dev/zero of=/dev/vda bs=${blockKb}k count=${count} oflag=direct 2>&1`,
    timeoutMs ?? SHELL_TIMEOUT_MS + mb * MS_PER_MB,
  );
  const dd = parseDdSummary(r.lines);
  return {
    mb,
    bytes: dd?.bytes ?? mb * 1024 * 1024,
    ms: r.ms,
    guestSeconds: dd?.seconds ?? null,
    mbPerSec: dd && dd.seconds > 0 ? dd.bytes / 1024 / 1024 / dd.seconds : mb / (r.ms / 1000),
  };
}
