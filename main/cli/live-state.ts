/**
 * What the live view shows, folded from the run's stream as it goes: the last pulse, targets
 * alive, TES so far, host CPU and RAM, and chaos progress (from the chaos events' data).
 */
import type { RunStreamEvent } from '../model/api';
import type { Pulse, TargetState } from '../model/evidence';

export interface ChaosProgress {
  waves: number;
  scenarios: number;
  wave: number;
  done: number;
  recovered: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class LiveState {
  lastPulse: Pulse | null = null;
  targets: TargetState[] = [];
  cpuPct: number | null = null;
  ramPct: number | null = null;
  tes: number | null = null;
  anomalies = 0;
  chaos: ChaosProgress | null = null;

  apply(e: RunStreamEvent): void {
    switch (e.type) {
      case 'pulse':
        this.lastPulse = e.pulse;
        if (e.pulse.tes !== null) this.tes = e.pulse.tes;
        if (e.pulse.host) {
          this.cpuPct = e.pulse.host.cpuPct;
          this.ramPct = e.pulse.host.ramPct;
        }
        break;
      case 'sample':
        this.cpuPct = e.sample.host.cpuPct;
        this.ramPct = e.sample.host.ramPct;
        break;
      case 'targets':
        this.targets = e.targets;
        break;
      case 'anomaly':
        this.anomalies++;
        break;
      case 'event':
        if (e.event.kind === 'chaos' || e.event.kind === 'chaos.escalation') this.chaosEvent(e.event.data);
        break;
      default:
        break;
    }
  }

  /** Targets alive (running or starting) of all targets; null before the first targets event. */
  alive(): { alive: number; of: number } | null {
    if (this.targets.length === 0) return null;
    const alive = this.targets.filter((t) => t.state === 'running' || t.state === 'starting').length;
    return { alive, of: this.targets.length };
  }

  private chaosEvent(data: Record<string, unknown> | undefined): void {
    if (!data) return;
    const c = (this.chaos ??= { waves: 0, scenarios: 0, wave: 0, done: 0, recovered: 0 });
    const waves = num(data.waves);
    const scenarios = num(data.scenarios);
    const wave = num(data.wave);
    if (waves !== null) c.waves = waves;
    if (scenarios !== null) c.scenarios = scenarios;
    if (wave !== null) c.wave = wave;
    if (typeof data.outcome === 'string') {
      c.done++;
      if (data.outcome === 'recovered') c.recovered++;
    }
  }
}
