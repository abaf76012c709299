/**
 * --ndjson FILE: every record of the run as one JSON line, streamed as it is recorded: the
 * RunStreamEvent itself ({"type":"pulse","runId":...,"pulse":{...}}), then one "run.end" line with
 * the verdict and the thresholds (what the ledger's run.end holds).
 */
import type { RunStreamEvent } from '../../model/api';
import type { RunConclusion, RunOutput } from '../../run/output';
import { LineFile } from './stream-file';

export class NdjsonOutput implements RunOutput {
  readonly name: string;
  private out: LineFile | null = null;
  private runId = '';

  constructor(readonly file: string) {
    this.name = `ndjson ${file}`;
  }

  start(meta: { runId: string }): void {
    this.runId = meta.runId;
    this.out = new LineFile(this.file);
  }

  add(e: RunStreamEvent): void {
    this.out?.write(JSON.stringify(e));
  }

  async stop(end: RunConclusion): Promise<void> {
    this.out?.write(
      JSON.stringify({
        type: 'run.end',
        runId: this.runId,
        verdict: end.verdict,
        haltReason: end.haltReason,
        thresholds: end.thresholds,
        probeTes: end.probeTes,
        skippedPulses: end.skippedPulses,
        endedAt: end.endedAt,
      }),
    );
    const out = this.out;
    this.out = null;
    await out?.close();
  }
}
