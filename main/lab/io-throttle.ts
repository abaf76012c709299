/**
 * Block I/O limits on one target's cgroup cell: a disk stall for a local agent. The limit names
 * the whole disk that holds the folder the agent writes to (`io.max` on v2, `blkio.throttle.*` on
 * v1), so it slows the agent's writes that reach the disk (direct, sync and fsync'd writes; the
 * page cache itself is not throttled). A folder on tmpfs, or on a filesystem with no block device
 * of its own (overlay, btrfs subvolumes: major 0), has nothing to throttle: the caller is told why.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupCell } from './cgroup';

export interface BlockDevice {
  /** `MAJ:MIN` of the whole disk (a partition's parent). */
  id: string;
  name: string;
}

export interface IoLimits {
  readBps: number;
  writeBps: number;
  readIops: number;
  writeIops: number;
}

function readQuiet(f: string): string | null {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return null;
  }
}

/** The disk under `dir`, or why there is none a block limit could act on. */
export function blockDeviceOf(dir: string): BlockDevice | { reason: string } {
  let dev: number;
  try {
    dev = fs.statSync(dir).dev;
  } catch (err) {
    return { reason: `cannot stat ${dir}: ${(err as Error).message}` };
  }
  // Linux's dev_t encoding (glibc major()/minor()).
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  if (major === 0)
    return {
      reason: `${dir} is on a filesystem with no block device (tmpfs, overlay or similar, device 0:${minor}): block I/O limits do not act on it`,
    };
  const sys = `/sys/dev/block/${major}:${minor}`;
  let real: string;
  try {
    real = fs.realpathSync(sys);
  } catch {
    return { reason: `device ${major}:${minor} of ${dir} is not a block device in /sys/dev/block` };
  }
  // Limits apply to whole disks: a partition is throttled through its parent.
  const disk = fs.existsSync(path.join(real, 'partition')) ? path.dirname(real) : real;
  const id = (readQuiet(path.join(disk, 'dev')) ?? `${major}:${minor}`).trim();
  return { id, name: path.basename(disk) };
}

/** Why this cell cannot take block I/O limits, or null when it can. */
export function ioLimitUnavailable(cell: CgroupCell | null): string | null {
  if (!cell) return 'the agent is not in a cgroup (process-tree containment): no I/O limits to set';
  if (cell.flavor === 'v2' && fs.existsSync(path.join(cell.dirs.main, 'io.max'))) return null;
  const b = cell.dirs.blkio;
  if (b && fs.existsSync(path.join(b, 'blkio.throttle.write_bps_device'))) return null;
  return cell.flavor === 'v2'
    ? 'cgroup v2 without the io controller (no io.max) and no v1 blkio hierarchy beside it'
    : 'no v1 blkio hierarchy with blkio.throttle';
}

function write(file: string, text: string): void {
  fs.writeFileSync(file, text);
}

/**
 * Sets the limits; returns how they were set and the function that lifts them (idempotent).
 * Throws when the kernel refuses them (the fault is then reported as not injected).
 */
export function limitIo(cell: CgroupCell, dev: BlockDevice, l: IoLimits): { via: string; lift: () => void } {
  const io = path.join(cell.dirs.main, 'io.max');
  if (cell.flavor === 'v2' && fs.existsSync(io)) {
    write(io, `${dev.id} rbps=${l.readBps} wbps=${l.writeBps} riops=${l.readIops} wiops=${l.writeIops}`);
    let lifted = false;
    return {
      via: `io.max ${dev.id} (${dev.name})`,
      lift: () => {
        if (lifted) return;
        lifted = true;
        write(io, `${dev.id} rbps=max wbps=max riops=max wiops=max`);
      },
    };
  }
  const b = cell.dirs.blkio;
  if (!b) throw new Error('no blkio hierarchy for this cell');
  const files: [string, number][] = [
    ['blkio.throttle.read_bps_device', l.readBps],
    ['blkio.throttle.write_bps_device', l.writeBps],
    ['blkio.throttle.read_iops_device', l.readIops],
    ['blkio.throttle.write_iops_device', l.writeIops],
  ];
  const set: string[] = [];
  let lifted = false;
  const lift = () => {
    if (lifted) return;
    lifted = true;
    // 0 removes a v1 throttle rule.
    for (const f of set) write(path.join(b, f), `${dev.id} 0`);
  };
  try {
    for (const [f, v] of files) {
      write(path.join(b, f), `${dev.id} ${v}`);
      set.push(f);
    }
  } catch (err) {
    lift();
    throw err;
  }
  return { via: `v1 blkio.throttle ${dev.id} (${dev.name})`, lift };
}

/** Bytes the cell has written to `dev` so far (v2 io.stat wbytes, v1 io_service_bytes Write). */
export function writtenBytes(cell: CgroupCell, dev: BlockDevice): number | null {
  const v2 = cell.flavor === 'v2' ? readQuiet(path.join(cell.dirs.main, 'io.stat')) : null;
  if (v2) {
    const line = v2.split('\n').find((l) => l.startsWith(`${dev.id} `));
    if (line) return Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
  }
  if (!cell.dirs.blkio) return v2 === null ? null : 0;
  const v1 = readQuiet(path.join(cell.dirs.blkio, 'blkio.throttle.io_service_bytes'));
  if (v1 === null) return null;
  const m = new RegExp(`^${dev.id} Write (\\d+)$`, 'm').exec(v1);
  return m ? Number(m[1]) : 0;
}
