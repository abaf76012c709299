/**
 * The file-I/O figure of each pulse (seed 000 section 5): where it is timed (the run's folder, each
 * target's working folder, the governance folder), and the FILE_IO_SLOW anomaly when it is slow.
 */
import { FsLatencyProbe, type FsTarget } from '../evidence/fs-latency';
import type { Anomaly, FileIoFigure } from '../model/evidence';
import type { Thresholds } from '../model/plan';
import type { TargetSet } from './instances';

/**
 * An operation gives up waiting after its critical line plus this much: long enough to measure how
 * far past critical it went, short enough to end before the next pulse of a burst (5 s apart).
 */
const DEADLINE_EXTRA_MS = 1000;

export class PulseFileIo {
  private readonly probe: FsLatencyProbe;

  constructor(
    private readonly io: Thresholds['fileIo'],
    private readonly runDir: string,
    private readonly targets: TargetSet,
    private readonly governanceFolder: () => string | null,
    private readonly sink: {
      anomaly(
        code: string,
        severity: Anomaly['severity'],
        message: string,
        data?: Record<string, unknown>,
      ): void;
    },
  ) {
    this.probe = new FsLatencyProbe({ ...io, deadlineMs: io.critMs + DEADLINE_EXTRA_MS });
  }

  async measure(seq: number): Promise<FileIoFigure> {
    const gov = this.governanceFolder();
    const targets: FsTarget[] = [
      { label: 'run folder', dir: this.runDir, op: 'write' },
      ...this.targets.list.map((i) => ({
        label: i.state.targetId,
        dir: i.target.workdir,
        op: 'write' as const,
      })),
      ...(gov ? [{ label: 'governance', dir: gov, op: 'read' as const }] : []),
    ];
    const f = await this.probe.measure(targets);
    if (f.class !== 'ok') {
      const slow = f.entries.filter((e) => (e.ms ?? 0) >= this.io.warnMs);
      const what = slow.map((e) => `${e.op} ${e.label} ${e.ms} ms${e.timedOut ? ', deadline' : ''}`);
      this.sink.anomaly(
        'FILE_IO_SLOW',
        f.class === 'critical' ? 'critical' : 'warning',
        `pulse ${seq}: file I/O took ${f.maxMs} ms (${what.join('; ')}); warning at ${this.io.warnMs} ms, critical at ${this.io.critMs} ms`,
        { pulse: seq, maxMs: f.maxMs, entries: f.entries },
      );
    }
    const failed = f.entries.filter((e) => e.ms === null);
    if (failed.length)
      this.sink.anomaly(
        'FILE_IO_FAILED',
        'warning',
        `pulse ${seq}: file I/O failed: ${failed.map((e) => `${e.op} ${e.label}: ${e.error}`).join('; ')}`,
        { pulse: seq, entries: failed },
      );
    return f;
  }
}
