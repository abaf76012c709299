/**
 * A lab kernel's pulse and health: QMP liveness, heartbeat freshness from the serial stream and a
 * round trip through the guest shell. Apart from kernel-target.ts, which wires boot and QMP.
 */
import { isAlive } from '../process-tree';
import type { TargetHealth } from '../target';
import type { KernelTarget as KernelTargetSpec } from '../../model/plan';
import type { QmpClient, QmpStatus } from './qmp';
import type { SerialParser } from './serial';
import type { SerialShell } from './shell';

/** What the checks need of a kernel target (structural, so this module does not import it back). */
export interface CheckedKernel {
  readonly spec: KernelTargetSpec;
  readonly parser: SerialParser;
  readonly shell: SerialShell;
  readonly qmp: QmpClient;
  rootPids(): number[];
  pulse(timeoutMs: number): Promise<KernelPulse>;
}

/** The guest heartbeats every second; older than this and the heartbeat counts as stale. */
export const HEARTBEAT_STALE_MS = 3_000;

/** One pulse of a kernel: liveness, heartbeat freshness, round trip. */
export interface KernelPulse {
  alive: boolean;
  qmpStatus: string | null;
  qmpMs: number | null;
  heartbeatAgeMs: number | null;
  heartbeatSeq: number | null;
  memAvailableKb: number | null;
  load1: number | null;
  rttMs: number | null;
  problems: string[];
}

/** Liveness (QMP query-status), heartbeat freshness and a round-trip probe through the shell. */
export async function kernelPulse(t: CheckedKernel, timeoutMs: number): Promise<KernelPulse> {
  const problems: string[] = [];
  const pid = t.rootPids()[0];
  const processAlive = pid !== undefined && isAlive(pid);
  let status: QmpStatus | null = null;
  let qmpMs: number | null = null;
  if (processAlive) {
    const t0 = performance.now();
    try {
      status = await t.qmp.queryStatus(timeoutMs);
      qmpMs = performance.now() - t0;
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  let rttMs: number | null = null;
  if (status?.running) {
    try {
      rttMs =
        t.spec.dialect === 'busybox'
          ? (await t.shell.roundTrip(timeoutMs)).rttMs
          : (await t.shell.raw('', timeoutMs)).ms;
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const hb = t.parser.lastHeartbeat;
  return {
    alive: processAlive && status !== null,
    qmpStatus: status?.status ?? null,
    qmpMs,
    heartbeatAgeMs: hb ? performance.now() - hb.at : null,
    heartbeatSeq: hb?.seq ?? null,
    memAvailableKb: hb?.memAvailableKb ?? null,
    load1: hb?.load1 ?? null,
    rttMs,
    problems,
  };
}

export async function kernelHealth(t: CheckedKernel, timeoutMs: number): Promise<TargetHealth> {
  const p = await t.pulse(timeoutMs);
  const hbFresh = p.heartbeatAgeMs !== null && p.heartbeatAgeMs < HEARTBEAT_STALE_MS;
  // The bundled guest always heartbeats; a user's kernel may not, and then the round trip alone
  // decides until a heartbeat has been seen once.
  const needsHeartbeat = t.spec.image === 'bundled' || t.parser.heartbeats > 0;
  const responsive = p.alive ? p.rttMs !== null && (hbFresh || !needsHeartbeat) : null;
  const hbText =
    p.heartbeatAgeMs === null
      ? 'no heartbeat yet'
      : `heartbeat #${p.heartbeatSeq} ${Math.round(p.heartbeatAgeMs)} ms ago`;
  const detail = [
    `QMP ${p.qmpStatus ?? 'unavailable'}${p.qmpMs !== null ? ` (${p.qmpMs.toFixed(1)} ms)` : ''}`,
    hbText,
    p.memAvailableKb !== null ? `MemAvailable ${p.memAvailableKb} kB` : null,
    p.rttMs !== null ? `round trip ${p.rttMs.toFixed(2)} ms` : null,
    ...p.problems,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    alive: p.alive,
    responsive,
    rttMs: p.rttMs,
    method:
      t.spec.dialect === 'busybox'
        ? 'QMP query-status; heartbeat age from the serial stream; round trip of `echo $((n+1))` through the serial shell, write to answer'
        : 'QMP query-status; round trip of Enter to the next prompt through the serial shell',
    detail,
  };
}
