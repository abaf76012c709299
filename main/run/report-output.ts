/**
 * The signed report as a run output: it reads the recorded run and the conclusion at `stop`, after
 * the ledger closed (the report binds the ledger's record count and head hash).
 */
import path from 'node:path';
import type { RunStreamEvent } from '../model/api';
import { writeSignedReport, type ReportFiles } from '../reports/report';
import type { LedgerOutput } from './ledger-output';
import type { RunConclusion, RunMeta, RunOutput } from './output';

export class ReportOutput implements RunOutput {
  readonly name = 'report';
  readonly required = true;
  files: ReportFiles | null = null;
  private meta: RunMeta | null = null;

  constructor(private readonly ledger: LedgerOutput) {}

  start(meta: RunMeta): void {
    this.meta = meta;
  }

  add(_e: RunStreamEvent): void {
    /* the report is written once, from the recorded run, at stop */
  }

  async stop(end: RunConclusion): Promise<void> {
    const meta = this.meta;
    if (!meta) throw new Error('report output stopped before it started');
    const r = end.recorded;
    this.files = writeSignedReport({
      outDir: meta.outDir,
      runId: meta.runId,
      runDir: meta.runDir,
      plan: meta.plan,
      confirmation: meta.confirmation,
      startedAt: meta.startedAt,
      probeStartedAt: end.probeStartedAt,
      endedAt: end.endedAt,
      verdict: end.verdict,
      haltReason: end.haltReason,
      thresholds: end.thresholds,
      pulses: [...end.pulses],
      snapshots: [...r.snapshots],
      snapshotCount: r.snapshotCount,
      snapshotTimes: r.snapshotTimes(),
      coverage: r.coverage,
      burstCoverage: r.burstCoverage ?? null,
      burstSchedule: end.burstSchedule ?? null,
      tes: [...r.tes],
      drift: end.drift,
      integrity: r.integrity,
      baseline: end.baseline,
      containment: meta.containment,
      anomalies: [...r.anomalies],
      events: [...r.events],
      samples: [...r.samples],
      ...(r.resources ? { resources: r.resources.summary() } : {}),
      targets: end.targets,
      ledger: { file: path.relative(meta.outDir, this.ledger.file), ...this.ledger.summary() },
      ledgerFailure: this.ledger.failure,
      extra: end.extra,
    });
  }
}
