/**
 * Faults for `kernel` plans: `"chaos": { "kernelPause": { "atSec": N, "ms": M } }` stops every
 * lab-kernel target through QMP at N s, continues it after M ms, and measures the heartbeat gap and
 * the time to the first heartbeat after `cont` (main/lab/kernel/faults.ts). The measurement goes
 * into the ledger, the event timeline and the report; a guest that does not come back is a
 * critical anomaly and fails the probe.
 */
import { z } from 'zod';
import { KernelTarget } from '../../lab/kernel/kernel-target';
import { pauseVm, type PauseResult } from '../../lab/kernel/vm-faults';
import type { ThresholdResult } from '../../model/evidence';
import { LabError } from '../../util/errors';
import { defineKind, type ExtensionApi, type ProbeExtension } from '../kind';
import { zodIssues } from '../../model/plan';

const KernelChaos = z
  .object({
    kernelPause: z
      .object({ atSec: z.number().min(0).max(86_400), ms: z.number().int().min(1).max(600_000) })
      .strict(),
  })
  .passthrough();

class KernelPauseExtension implements ProbeExtension {
  readonly name = 'kernelPause';
  readonly endsRun = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly results: (PauseResult & { targetId: string })[] = [];
  private readonly failures: { targetId: string; error: string }[] = [];

  constructor(private readonly cfg: { atSec: number; ms: number }) {}

  async run(api: ExtensionApi): Promise<void> {
    const due = await Promise.race([
      new Promise<boolean>((r) => (this.timer = setTimeout(() => r(true), this.cfg.atSec * 1000))),
      api.halting.then(() => false),
    ]);
    if (!due) return;
    for (const [id, t] of api.targets()) {
      if (!(t instanceof KernelTarget)) continue;
      api.event('chaos', `pausing ${id} through QMP for ${this.cfg.ms} ms`, { ms: this.cfg.ms }, id);
      try {
        const r = await pauseVm(t, this.cfg.ms);
        this.results.push({ targetId: id, ...r });
        api.record('chaos.kernelPause', { targetId: id, ...r }, true);
        api.event(
          'chaos',
          `${id} resumed: heartbeat gap ${fmt(r.heartbeatGapMs)}, first heartbeat ${fmt(r.recoveredAfterMs)} after cont, guest clock advanced ${r.guestUptimeAdvanceSec ?? '?'} s`,
          { ...r },
          id,
        );
        if (r.recoveredAfterMs === null)
          api.anomaly('RECOVERY_TIMEOUT', 'critical', `${id}: no heartbeat after cont`, { ...r });
      } catch (err) {
        this.failures.push({ targetId: id, error: String(err) });
        api.anomaly('FAULT_FAILED', 'critical', `${id}: VM pause failed: ${String(err)}`);
      }
    }
  }

  finish(): { extra: Record<string, unknown>; thresholds: ThresholdResult[] } {
    const recovered = this.results.filter((r) => r.recoveredAfterMs !== null);
    return {
      extra: { requested: this.cfg, results: this.results, failures: this.failures },
      thresholds: [
        {
          name: 'kernel pause recovery',
          ok:
            this.failures.length === 0 && recovered.length === this.results.length && this.results.length > 0,
          actual: this.results.length
            ? this.results
                .map(
                  (r) =>
                    `${r.targetId}: gap ${fmt(r.heartbeatGapMs)}, recovered ${fmt(r.recoveredAfterMs)} after cont`,
                )
                .join('; ')
            : 'no pause was injected',
          expected: 'every paused kernel heartbeats again within the recovery timeout',
          // The slowest recovery; null when a kernel did not recover (no time to give).
          value:
            recovered.length && recovered.length === this.results.length
              ? Math.max(...recovered.map((r) => r.recoveredAfterMs ?? 0))
              : null,
          unit: 'ms',
        },
      ],
    };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

const fmt = (ms: number | null) => (ms === null ? 'none' : `${Math.round(ms)} ms`);

type PauseConfig = { atSec: number; ms: number };

/** Kernel plans only; a kernel plan without a chaos section has no pause. A bad one is refused. */
function parsePauseSection(plan: { id: string; kind: string; chaos?: unknown }): PauseConfig | null {
  if (plan.kind !== 'kernel' || plan.chaos === undefined) return null;
  const r = KernelChaos.safeParse(plan.chaos);
  if (!r.success) {
    const issues = zodIssues(r.error).map((i) => ({
      ...i,
      path: i.path === '(root)' ? 'chaos' : `chaos.${i.path}`,
    }));
    throw new LabError(
      'PLAN_INVALID',
      `plan ${plan.id}: ${issues.length} problem(s) in the kernel chaos section`,
      issues,
    );
  }
  return r.data.kernelPause;
}

export const kernelPauseKind = defineKind<PauseConfig>({
  kind: 'kernel-pause',
  parseSection: parsePauseSection,
  previewLines: (c) => [
    `Kernel pause: at ${c.atSec} s every lab kernel is stopped through QMP for ${c.ms} ms, then continued; the heartbeat gap and the time to the first heartbeat are measured.`,
  ],
  create: (c) => new KernelPauseExtension(c),
});
