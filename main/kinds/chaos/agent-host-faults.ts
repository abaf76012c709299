/**
 * The two agent faults that need the host's help, drawn only where it gives it (and only when a
 * wave's pool names them; see HOST_DEPENDENT in schedule.ts):
 *  - disk-io-stall: block I/O limits on the agent's cgroup cell (io.max, or v1 blkio.throttle)
 *    for the disk under its working folder, while the agent writes (`@lab spike io`), then lifted;
 *  - network-partition: for an agent in a network namespace of its own, the host end of its veth
 *    down (its health check, which crosses the veth, fails), then up.
 * Each records what it measured during the fault, so a report shows that the fault bit.
 */
import type { AgentTarget } from '../../lab/agent-target';
import {
  blockDeviceOf,
  ioLimitUnavailable,
  limitIo,
  writtenBytes,
  type IoLimits,
} from '../../lab/io-throttle';
import type { Target } from '../../lab/target';
import { ptyOf, untilSignal } from './agent-scenarios';
import type { FaultContext, FaultOutcome } from './fault-context';
import { sleepUnlessHalting } from './freezer';
import type { ScenarioType } from './schema';

/**
 * The stall: 256 KiB/s and 16 operations/s each way, a few hundredths of a percent of a plain
 * disk's sync-write speed (this VM: 107 MB/s with 64 KiB dsync writes), yet not zero, so a write
 * queued at the limit is not held past the lift.
 */
export const STALL_LIMITS: IoLimits = {
  readBps: 256 * 1024,
  writeBps: 256 * 1024,
  readIops: 16,
  writeIops: 16,
};
/** Size of each write the agent makes during a stall (one fdatasync after each). */
const STALL_WRITE_KB = 64;
/** Gap between health checks while a partition holds (each fails fast: the route is gone). */
const PARTITION_CHECK_GAP_MS = 100;
const PARTITION_CHECK_MAX_MS = 500;

/** What this target can take of the host-dependent scenarios: true, or why not here. */
export function hostCapabilities(t: Target): Partial<Record<ScenarioType, true | string>> {
  if (t.kind !== 'agent') return {};
  const a = t as AgentTarget;
  const dev = blockDeviceOf(a.workdir);
  const io = ioLimitUnavailable(a.cell ?? null) ?? ('reason' in dev ? dev.reason : null);
  const net =
    a.netns !== null
      ? true
      : (a.netnsReason ?? 'the plan does not give this agent network "namespace" (nothing to partition)');
  return { 'disk-io-stall': io ?? true, 'network-partition': net };
}

export async function diskIoStall(ctx: FaultContext): Promise<FaultOutcome> {
  const a = ctx.target as AgentTarget;
  const ms = ctx.event.params.ms ?? 1000;
  const dev = blockDeviceOf(a.workdir);
  const cell = a.cell;
  const why = ioLimitUnavailable(cell) ?? ('reason' in dev ? dev.reason : null);
  if (why || !cell || 'reason' in dev) throw new Error(why ?? 'no I/O limits');
  const before = writtenBytes(cell, dev) ?? 0;
  const limit = limitIo(cell, dev, STALL_LIMITS);
  const startedAt = Date.now();
  let during: number;
  try {
    ptyOf(a).write(`@lab spike io ${ms} ${STALL_WRITE_KB}\r`);
    await sleepUnlessHalting(ms, ctx.haltingPromise);
    during = (writtenBytes(cell, dev) ?? before) - before;
  } finally {
    limit.lift();
  }
  const releasedAt = Date.now();
  // The write pending at the lift completes now; the agent then reports what it managed.
  const done = await untilSignal(
    ctx,
    startedAt,
    ctx.section.recoveryTimeoutMs,
    (s) => s.type === 'spike-done' && s.data.kind === 'io',
  );
  const heldSec = (releasedAt - startedAt) / 1000;
  return {
    startedAt,
    releasedAt,
    details: {
      via: limit.via,
      device: dev.id,
      limitWriteBps: STALL_LIMITS.writeBps,
      heldMs: releasedAt - startedAt,
      cellWriteBytesDuring: during,
      cellWriteBpsDuring: heldSec > 0 ? Math.round(during / heldSec) : null,
      agentBytes: done?.data.bytes ?? null,
      agentSlowestWriteMs: done?.data.slowestWriteMs ?? null,
      reported: done !== null,
    },
  };
}

export async function networkPartition(ctx: FaultContext): Promise<FaultOutcome> {
  const a = ctx.target as AgentTarget;
  const ns = a.netns;
  if (!ns) throw new Error(a.netnsReason ?? 'the agent has no network namespace of its own');
  const ms = ctx.event.params.ms ?? 1000;
  const startedAt = Date.now();
  if (!ns.setLink(false)) throw new Error(`could not set ${ns.hostIf} down`);
  let checks = 0;
  let failed = 0;
  let last = '';
  try {
    // Health checks while it holds: the proof that the partition cut what crosses the veth.
    while (Date.now() - startedAt < ms && !ctx.halting()) {
      const left = ms - (Date.now() - startedAt);
      const h = await a.health(Math.max(1, Math.min(PARTITION_CHECK_MAX_MS, left)));
      checks++;
      if (h.responsive !== true) failed++;
      last = h.detail;
      await sleepUnlessHalting(
        Math.min(PARTITION_CHECK_GAP_MS, ms - (Date.now() - startedAt)),
        ctx.haltingPromise,
      );
    }
  } finally {
    ns.setLink(true);
  }
  return {
    startedAt,
    releasedAt: Date.now(),
    details: {
      via: `veth ${ns.hostIf} down, then up`,
      namespace: ns.name,
      address: ns.nsAddr,
      healthChecksDuring: checks,
      healthFailedDuring: failed,
      lastDuring: last,
    },
  };
}
