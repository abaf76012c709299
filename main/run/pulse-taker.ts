/**
 * The pulse taker: health checks only, and the completion stamp the moment every check answered.
 * Latency is planned time -> that stamp (seed 000 section 4); integrity hashing, TES and the
 * judgement come after the stamp (`scorePulse`) and never count into it.
 */
import type { HostSample, IntegrityCheck, Pulse, PulsePhase, TargetPulse, TesScore } from '../model/evidence';
import type { Thresholds } from '../model/plan';
import { classifyLatency, judgePulse } from '../scoring/pulse';
import type { Instance } from './instances';

type CheckedTarget = Omit<TargetPulse, 'tes'> & { failed?: boolean };

/** A pulse as taken: the checks' answers and the stamps, nothing scored yet. */
export interface TakenPulse {
  seq: number;
  phase: PulsePhase;
  burst: number;
  plannedAt: number;
  startedAt: number;
  completedAt: number;
  targets: CheckedTarget[];
  /** The targets that were checked (their latency classes count into compliance). */
  checked: Instance[];
}

export class PulseTaker {
  private seq = 0;
  private inFlight = false;
  skipped = 0;

  constructor(private readonly cfg: { thresholds: Thresholds; timeoutSec: number }) {}

  /**
   * Checks every running target; returns a skipped Pulse (already judged RED) when the previous
   * pulse is still running or the scheduler woke past the critical latency.
   */
  async take(
    phase: PulsePhase,
    burst: number,
    plannedAt: number,
    instances: readonly Instance[],
    lastTes: number | null,
  ): Promise<{ taken: TakenPulse } | { skipped: Pulse }> {
    const seq = ++this.seq;
    const startedAt = Date.now();
    if (this.inFlight || startedAt - plannedAt > this.cfg.thresholds.pulse.critSec * 1000) {
      this.skipped++;
      const reason = this.inFlight
        ? 'skipped: the previous pulse had not finished'
        : 'skipped: scheduler woke past the critical latency';
      return { skipped: skippedPulse({ seq, phase, burst, plannedAt, startedAt }, lastTes, reason) };
    }
    this.inFlight = true;
    try {
      const timeoutMs = this.cfg.timeoutSec * 1000;
      const live = instances.filter((i) => !i.exit && i.state.state === 'running');
      const answers = await Promise.all(
        live.map(async (i) => ({ targetId: i.state.targetId, ...(await i.target.health(timeoutMs)) })),
      );
      const completedAt = Date.now();
      const failed: CheckedTarget[] = instances
        .filter((i) => i.exit?.outcome === 'failed')
        .map((i) => ({
          targetId: i.state.targetId,
          alive: false,
          responsive: null,
          rttMs: null,
          method: 'exit status',
          detail: `exited with code ${i.exit?.exitCode}${i.exit?.signal ? ` (signal ${i.exit.signal})` : ''}`,
          failed: true,
        }));
      const taken = { seq, phase, burst, plannedAt, startedAt, completedAt, checked: live };
      return { taken: { ...taken, targets: [...answers, ...failed] } };
    } finally {
      this.inFlight = false;
    }
  }
}

/** After the stamp: latency class, integrity, TES and the judgement of a taken pulse. */
export function scorePulse(
  p: TakenPulse,
  s: {
    thresholds: Thresholds;
    host: HostSample | null;
    integrity: IntegrityCheck | null;
    /** The lab's own work after the stamp (integrity hashing, footprint scans): not in latencyMs. */
    labWorkMs: number;
    tes: readonly TesScore[];
    probeTes: number | null;
    tesDelta: number | null;
  },
): Pulse {
  const latencyMs = p.completedAt - p.plannedAt;
  const latencyClass = classifyLatency(latencyMs, s.thresholds.pulse);
  const targets = p.targets.map((t) => ({
    ...t,
    tes: s.tes.find((r) => r.subject === t.targetId)?.score ?? null,
  }));
  const judgement = judgePulse({
    latencyClass,
    latencyMs,
    host: s.host,
    targets,
    integrity: s.integrity,
    thresholds: s.thresholds,
  });
  for (const i of p.checked) i.pulseClasses.push(latencyClass);
  return {
    seq: p.seq,
    phase: p.phase,
    burst: p.burst,
    plannedAt: p.plannedAt,
    startedAt: p.startedAt,
    completedAt: p.completedAt,
    startLagMs: p.startedAt - p.plannedAt,
    latencyMs,
    labWorkMs: s.labWorkMs,
    latencyClass,
    host: s.host,
    targets: targets.map((t) => ({
      targetId: t.targetId,
      alive: t.alive,
      responsive: t.responsive,
      rttMs: t.rttMs,
      method: t.method,
      detail: t.detail,
      tes: t.tes,
    })),
    tes: s.probeTes,
    tesDelta: s.tesDelta,
    integrity: s.integrity,
    status: judgement.status,
    reasons: judgement.reasons,
  };
}

function skippedPulse(
  p: { seq: number; phase: PulsePhase; burst: number; plannedAt: number; startedAt: number },
  lastTes: number | null,
  reason: string,
): Pulse {
  return {
    ...p,
    completedAt: p.startedAt,
    startLagMs: p.startedAt - p.plannedAt,
    latencyMs: p.startedAt - p.plannedAt,
    labWorkMs: 0,
    latencyClass: 'skipped',
    host: null,
    targets: [],
    tes: lastTes,
    tesDelta: null,
    integrity: null,
    status: 'RED',
    reasons: [reason],
  };
}
