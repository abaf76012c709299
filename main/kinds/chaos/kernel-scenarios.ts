/**
 * Faults on the QEMU lab kernel, through the lab kernel's own fault and stress functions
 * (main/lab/kernel/faults.ts, stress.ts): QMP stop/cont, a guest CPU burn, a tmpfs memory fill,
 * serial-shell command floods, QMP block throttling and QMP set_link. Loaded only when a plan has
 * a kernel target, so agent-only runs never load QEMU code. Each of those functions already waits
 * for its own first sign of recovery (its figure is kept in the details); the fault counts as
 * released when it returns, and the four-method detection runs from there.
 */
import type { KernelTarget } from '../../lab/kernel/kernel-target';
import { diskStall, memorySpike, partitionNetwork, pauseVm } from '../../lab/kernel/vm-faults';
import { MAX_FILL_SHARE_PCT, commandFlood, cpuBurn } from '../../lab/kernel/stress';
import type { FaultContext, FaultOutcome } from './fault-context';

/** The guest's memory size when the spec is not readable (the plan schema's default). */
const DEFAULT_GUEST_MB = 256;

export async function runKernelFault(ctx: FaultContext): Promise<FaultOutcome> {
  const k = ctx.target as KernelTarget;
  const p = ctx.event.params;
  const startedAt = Date.now();
  switch (ctx.event.type) {
    case 'heartbeat-pause': {
      const r = await pauseVm(k, p.pauseMs ?? 1);
      return { startedAt, releasedAt: Date.now(), details: { via: 'QMP stop/cont', ...r } };
    }
    case 'cpu-spike': {
      const granted = ctx.cpu.take(1);
      try {
        if (granted < 1)
          return { startedAt, releasedAt: startedAt, details: { capped: true, grantedCores: granted } };
        const r = await cpuBurn(k, Math.max(0.1, (p.ms ?? 1000) / 1000));
        return { startedAt, releasedAt: Date.now(), details: { via: 'guest shell loop', ...r } };
      } finally {
        ctx.cpu.give(granted);
      }
    }
    case 'memory-spike': {
      const guestMb = k.spec?.memoryMb ?? DEFAULT_GUEST_MB;
      const share = Math.min(MAX_FILL_SHARE_PCT, Math.max(1, Math.round(((p.mb ?? 1) / guestMb) * 100)));
      const r = await memorySpike(k, share, p.ms ?? 0);
      return { startedAt, releasedAt: Date.now(), details: { via: 'guest tmpfs fill', ...r } };
    }
    case 'command-burst': {
      const rate = p.ratePerSec ?? 1;
      const n = Math.max(1, Math.round((rate * (p.ms ?? 0)) / 1000));
      const r = await commandFlood(k, n, rate);
      for (const us of r.rttUs) ctx.commandLatency.recordCorrected(us, 1e6 / rate);
      return {
        startedAt,
        releasedAt: Date.now(),
        details: {
          via: 'serial shell',
          requested: n,
          ratePerSec: rate,
          answered: r.rttUs.length,
          failed: r.failed,
          sendLagMs: Math.round(r.totalSendLagMs),
        },
      };
    }
    case 'disk-io-stall': {
      const r = await diskStall(k, p.ms ?? 1000);
      return { startedAt, releasedAt: Date.now(), details: { via: 'QMP block_set_io_throttle', ...r } };
    }
    case 'network-partition': {
      const r = await partitionNetwork(k, p.ms ?? 1000);
      return { startedAt, releasedAt: Date.now(), details: { via: 'QMP set_link', ...r } };
    }
    default:
      throw new Error(`${ctx.event.type} is not supported on the lab kernel (the schedule never draws it)`);
  }
}
