/**
 * The TES tracker: provisional scores while the tasks run (for pulses and the live view), and the
 * final scores computed once, at the end, from the files on disk and the measured run times.
 */
import type { TesScore } from '../model/evidence';
import type { TesConfig } from '../model/plan';
import { computeTes, probeTes } from '../scoring/tes';
import type { Instance } from './instances';

export interface TesNow {
  /** Per task, then the probe's score last (when there is one). */
  scores: TesScore[];
  probe: TesScore | null;
}

export class TesTracker {
  private last: number | null = null;
  private runStartMono = 0;

  constructor(private readonly cfg: TesConfig) {}

  /** The clock for tasks still running: the moment the targets were started. */
  markStart(): void {
    this.runStartMono = performance.now();
  }

  /** The last probe TES a pulse showed (a skipped pulse repeats it). */
  get lastProbe(): number | null {
    return this.last;
  }

  /** Scores now, from each task's files changed as of its last scan; no tasks, no scores. */
  provisional(tasks: readonly Instance[]): TesNow {
    const now = performance.now();
    const scores = tasks.map((i) =>
      computeTes(
        {
          subject: i.state.targetId,
          runMs: i.exit ? i.exit.runMs : now - this.runStartMono,
          filesChanged: i.state.filesChanged,
          outcome: i.exit ? i.exit.outcome : 'running',
          pulseClasses: i.pulseClasses,
        },
        this.cfg,
      ),
    );
    return this.withProbe(scores);
  }

  /** The change of the probe TES since the last pulse that had one, rounded to 0.1. */
  advance(probe: number | null): number | null {
    const delta = probe !== null && this.last !== null ? Math.round((probe - this.last) * 10) / 10 : null;
    if (probe !== null) this.last = probe;
    return delta;
  }

  /** The final scores, once, from each task's final footprint (files changed) and exit. */
  final(tasks: readonly { i: Instance; filesChanged: number }[]): TesNow {
    const now = performance.now();
    const scores = tasks.map(({ i, filesChanged }) =>
      computeTes(
        {
          subject: i.state.targetId,
          runMs: i.exit?.runMs ?? now - this.runStartMono,
          filesChanged,
          outcome: i.exit?.outcome ?? 'stopped',
          pulseClasses: i.pulseClasses,
        },
        this.cfg,
      ),
    );
    return this.withProbe(scores);
  }

  private withProbe(scores: TesScore[]): TesNow {
    const probe = probeTes(scores, this.cfg);
    return { scores: probe ? [...scores, probe] : scores, probe };
  }
}
