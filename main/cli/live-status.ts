/**
 * What the CLI live lines add to each pulse line: the probe clock (it starts once every target is
 * up, and the maximum duration counts from it), each guard rail's progress toward tripping, and
 * the file-I/O figure. Kept as one small state fed from the run's stream.
 */
import type { RunStreamEvent } from '../model/api';
import type { GuardProgress, Pulse } from '../model/evidence';
import { formatDuration } from './format';

/** Guard progress is said again each time a breach has grown by this share of the window. */
const GUARD_STEP = 0.25;

export class LiveStatus {
  private clockAt: number | null = null;
  private upAfterMs = 0;
  private guard: GuardProgress[] = [];
  private guardStep = new Map<string, number>();

  constructor(private readonly run: { startedAt?: number; plan: { run: { maxDurationSec: number } } }) {}

  /** Feeds one stream event; returns a line to print when a guard rail's progress changed. */
  observe(e: RunStreamEvent): string | null {
    if (e.type === 'event' && typeof e.event.data?.probeClockStartedAt === 'number') {
      this.clockAt = e.event.data.probeClockStartedAt;
      this.upAfterMs = typeof e.event.data.targetsUpAfterMs === 'number' ? e.event.data.targetsUpAfterMs : 0;
    }
    if (e.type !== 'sample' || !e.guard) return null;
    this.guard = e.guard;
    const lines: string[] = [];
    for (const g of e.guard) {
      const step = g.overMs > 0 ? Math.floor(g.overMs / (g.windowMs * GUARD_STEP)) : -1;
      const prev = this.guardStep.get(g.metric) ?? -1;
      this.guardStep.set(g.metric, step);
      if (step === prev) continue;
      lines.push(
        step < 0
          ? `guard rail ${g.metric} back under ${g.limitPct}% (${g.lastPct ?? 'n/a'}%): reset`
          : `guard rail ${g.metric} over ${g.limitPct}% (${g.lastPct}%) for ${guardText(g)} toward tripping`,
      );
    }
    return lines.length ? `${this.clock()} ${lines.join('; ')}` : null;
  }

  /** `[01:03 / 01:00 max from probe clock start, targets up at +12 s]`. */
  clock(now = Date.now()): string {
    const max = formatDuration(this.run.plan.run.maxDurationSec * 1000);
    if (this.clockAt === null) {
      const since = this.run.startedAt !== undefined ? formatDuration(now - this.run.startedAt) : '--:--';
      return `[${since} since run start / ${max} max from probe clock start, targets not up yet]`;
    }
    return `[${formatDuration(now - this.clockAt)} / ${max} max from probe clock start, targets up at +${Math.round(this.upAfterMs / 1000)} s]`;
  }

  /** The rails and the file-I/O figure appended to a pulse line. */
  suffix(p: Pulse): string {
    const over = this.guard.filter((g) => g.overMs > 0);
    const rails = over.length ? `  rails ${over.map((g) => `${g.metric} ${guardText(g)}`).join(', ')}` : '';
    const io = p.fileIo
      ? `  io ${p.fileIo.maxMs} ms${p.fileIo.class !== 'ok' ? ` ${p.fileIo.class.toUpperCase()}` : ''}`
      : '';
    return `${io}${rails}`;
  }
}

const guardText = (g: GuardProgress) => `${(g.overMs / 1000).toFixed(0)}/${(g.windowMs / 1000).toFixed(0)} s`;
