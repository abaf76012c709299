/**
 * Faults on a local agent, each real and bounded. Heartbeat pause: the agent's cgroup frozen
 * (cgroup.freeze or the v1 freezer) where it is contained, else SIGSTOP of its whole process tree,
 * thawed after the pause. CPU and memory spikes, telemetry storms: commands on the
 * agent's own input (`@lab spike cpu|mem`, `@lab flood`), so the load runs inside the target and
 * safe mode starts no other executable; each ends with the agent's own `spike-done`/`flood-done`
 * report. Message flood: a burst of `@lab msg` lines into the agent's input, which it must read.
 * Command burst: pings at a fixed rate, latencies into the HdrHistogram.
 */
import { FLUSH_MS } from '../../lab/pty-session';
import type { Target, TargetSignal } from '../../lab/target';
import { sleepUnlessHalting, type Freezer } from './freezer';
import { pingAtFixedRate } from './pinger';
import type { FaultContext, FaultOutcome } from './fault-context';

/** Lines written to the pty per write call during a message flood. */
const MESSAGES_PER_WRITE = 64;
/** Bytes per second we allow a telemetry storm when waiting for its end (the pty moves ~90 MB/s). */
const STORM_MIN_BYTES_PER_SEC = 1024 * 1024;

export interface PtyLike {
  write(data: string): void;
}

export function ptyOf(target: Target): PtyLike {
  const pty = (target as { pty?: PtyLike | null }).pty;
  if (!pty) throw new Error(`${target.id}: no terminal to write to (not running)`);
  return pty;
}

export async function untilSignal(
  ctx: FaultContext,
  after: number,
  timeoutMs: number,
  accept: (s: TargetSignal) => boolean,
): Promise<TargetSignal | null> {
  const until = Date.now() + timeoutMs;
  return Promise.race([ctx.watch.nextSignal(after, until, accept), ctx.haltingPromise.then(() => null)]);
}

export async function heartbeatPause(ctx: FaultContext, freezer: Freezer): Promise<FaultOutcome> {
  const ms = ctx.event.params.pauseMs ?? 0;
  const startedAt = Date.now();
  const frozen = await freezer.freeze(ctx.target);
  try {
    await sleepUnlessHalting(ms, ctx.haltingPromise);
  } finally {
    await frozen.thaw();
  }
  const releasedAt = Date.now();
  return {
    startedAt,
    releasedAt,
    details: { signal: frozen.method, pids: frozen.pids, heldMs: releasedAt - startedAt },
  };
}

export async function cpuSpike(ctx: FaultContext): Promise<FaultOutcome> {
  const ms = ctx.event.params.ms ?? 0;
  const requested = ctx.event.params.share ?? 0;
  const granted = ctx.cpu.take(Math.min(1, requested));
  const startedAt = Date.now();
  try {
    if (granted <= 0)
      return {
        startedAt,
        releasedAt: startedAt,
        details: { requestedShare: requested, grantedShare: 0, capped: true },
      };
    ptyOf(ctx.target).write(`@lab spike cpu ${ms} ${granted.toFixed(3)}\r`);
    const done = await untilSignal(
      ctx,
      startedAt,
      ms + ctx.section.recoveryTimeoutMs,
      (s) => s.type === 'spike-done' && s.data.kind === 'cpu',
    );
    return {
      startedAt,
      releasedAt: done?.at ?? Date.now(),
      details: {
        requestedShare: requested,
        grantedShare: granted,
        capped: granted < requested,
        agentCpuMs: done?.data.cpuMs ?? null,
        reported: done !== null,
      },
    };
  } finally {
    ctx.cpu.give(granted);
  }
}

export async function memorySpike(ctx: FaultContext): Promise<FaultOutcome> {
  const mb = ctx.event.params.mb ?? 1;
  const ms = ctx.event.params.ms ?? 0;
  const startedAt = Date.now();
  ptyOf(ctx.target).write(`@lab spike mem ${mb} ${ms}\r`);
  const done = await untilSignal(
    ctx,
    startedAt,
    ms + ctx.section.recoveryTimeoutMs,
    (s) => s.type === 'spike-done' && s.data.kind === 'mem',
  );
  return {
    startedAt,
    releasedAt: done?.at ?? Date.now(),
    details: { mb, holdMs: ms, peakRssKb: done?.data.peakRssKb ?? null, reported: done !== null },
  };
}

export async function messageFlood(ctx: FaultContext): Promise<FaultOutcome> {
  const n = ctx.event.params.messages ?? 1;
  const before = ctx.watch.beats.at(-1)?.messages ?? 0;
  const pty = ptyOf(ctx.target);
  const startedAt = Date.now();
  for (let i = 0; i < n && !ctx.halting(); i += MESSAGES_PER_WRITE) {
    const lines: string[] = [];
    for (let k = i; k < Math.min(n, i + MESSAGES_PER_WRITE); k++)
      lines.push(`@lab msg ${ctx.event.id}-${k}\r`);
    pty.write(lines.join(''));
    // Yield so the pty's queue drains and the engine's own timers keep running.
    await new Promise((r) => setImmediate(r));
  }
  const writtenAt = Date.now();
  // The flood is over when the agent has read it: its heartbeat counts the messages it took in.
  const read = await Promise.race([
    ctx.watch.nextBeat(
      writtenAt - 1,
      writtenAt + ctx.section.recoveryTimeoutMs,
      (b) => (b.messages ?? 0) >= before + n,
    ),
    ctx.haltingPromise.then(() => null),
  ]);
  const last = ctx.watch.beats.at(-1)?.messages ?? before;
  return {
    startedAt,
    releasedAt: read?.at ?? Date.now(),
    details: {
      messages: n,
      writtenMs: writtenAt - startedAt,
      countedByAgent: (read?.messages ?? last) - before,
      allRead: read !== null,
    },
  };
}

export async function telemetryStorm(ctx: FaultContext): Promise<FaultOutcome> {
  const bytes = ctx.event.params.bytes ?? 1;
  const bytesBefore = ctx.watch.outputBytes;
  const startedAt = Date.now();
  ptyOf(ctx.target).write(`@lab flood ${bytes}\r`);
  const budgetMs = (bytes / STORM_MIN_BYTES_PER_SEC) * 1000 + ctx.section.recoveryTimeoutMs;
  const done = await untilSignal(ctx, startedAt, budgetMs, (s) => s.type === 'flood-done');
  const releasedAt = done?.at ?? Date.now();
  // Protocol lines are parsed as they arrive, output is delivered in batches: let the last one land.
  await new Promise((r) => setTimeout(r, FLUSH_MS * 4));
  return {
    startedAt,
    releasedAt,
    details: {
      bytes,
      reported: done !== null,
      outputBytesSeen: ctx.watch.outputBytes - bytesBefore,
      mbPerSec:
        releasedAt > startedAt
          ? Math.round((bytes / 1048576 / ((releasedAt - startedAt) / 1000)) * 10) / 10
          : null,
    },
  };
}

export async function commandBurst(ctx: FaultContext): Promise<FaultOutcome> {
  const rate = ctx.event.params.ratePerSec ?? 1;
  const ms = ctx.event.params.ms ?? 0;
  const startedAt = Date.now();
  const run = await pingAtFixedRate(ctx.target, {
    ratePerSec: rate,
    untilMs: startedAt + ms,
    timeoutMs: ctx.section.recoveryTimeoutMs,
    recorder: ctx.commandLatency,
    stop: ctx.halting,
  });
  return {
    startedAt,
    releasedAt: Date.now(),
    details: {
      ratePerSec: rate,
      sent: run.sent,
      answered: run.answered,
      unanswered: run.unanswered,
      sendLagMs: run.sendLagMs,
    },
  };
}
