/**
 * Outputs written once, whole, at the end (atomically: a reader never sees half a file): the
 * k6-style summary (kept for the terminal, and written by --summary-export) and JUnit XML.
 */
import junit from 'junit-report-builder';
import type { RunStreamEvent } from '../../model/api';
import type { RunConclusion, RunMeta, RunOutput } from '../../run/output';
import { writeFileAtomicAsync } from '../../util/atomic-file';
import { fmt, summarize, type RunSummaryData } from '../summary';

abstract class DocumentOutput implements RunOutput {
  abstract readonly name: string;
  protected meta: RunMeta | null = null;
  start(meta: RunMeta): void {
    this.meta = meta;
  }
  add(_e: RunStreamEvent): void {
    /* a document is written from the conclusion, at stop */
  }
  abstract stop(end: RunConclusion): Promise<void>;
}

/** Keeps the run's summary for the CLI to print (and for --json) once the run ended. */
export class SummaryOutput extends DocumentOutput {
  readonly name = 'summary';
  data: RunSummaryData | null = null;
  async stop(end: RunConclusion): Promise<void> {
    this.data = summarize(end);
  }
}

/** The summary document of --summary-export, in the shape of k6's --summary-export. */
export function summaryDocument(meta: RunMeta, s: RunSummaryData): unknown {
  const metrics: Record<string, unknown> = {};
  for (const m of s.metrics)
    metrics[m.name] = {
      type: 'trend',
      unit: m.unit,
      description: m.label,
      values: {
        count: m.count,
        min: m.min,
        avg: m.avg,
        med: m.p50,
        'p(50)': m.p50,
        'p(95)': m.p95,
        'p(99)': m.p99,
        max: m.max,
      },
    };
  const thresholds: Record<string, unknown> = {};
  for (const t of s.thresholds)
    thresholds[t.name] = {
      ok: t.ok,
      value: t.value ?? null,
      unit: t.unit ?? null,
      actual: t.actual,
      expected: t.expected,
    };
  return {
    runId: meta.runId,
    plan: { id: meta.plan.id, title: meta.plan.title, kind: meta.plan.kind },
    verdict: s.verdict,
    haltReason: s.haltReason,
    headline: s.headline,
    state: { testRunDurationMs: s.durationMs, startedAt: new Date(meta.startedAt).toISOString() },
    metrics,
    thresholds,
  };
}

export class SummaryExportOutput extends DocumentOutput {
  readonly name: string;
  constructor(readonly file: string) {
    super();
    this.name = `summary-export ${file}`;
  }
  async stop(end: RunConclusion): Promise<void> {
    if (!this.meta) throw new Error('summary export stopped before it started');
    const doc = summaryDocument(this.meta, summarize(end));
    await writeFileAtomicAsync(this.file, `${JSON.stringify(doc, null, 2)}\n`);
  }
}

/** JUnit XML: one test suite per run, one test case per threshold, a failure says measured vs expected. */
export function junitXml(meta: RunMeta, s: RunSummaryData): string {
  const b = junit.newBuilder();
  const suite = b
    .testSuite()
    .name(`probe-lab ${meta.plan.id}`)
    .timestamp(new Date(meta.startedAt).toISOString())
    .time(s.durationMs / 1000)
    .property('runId', meta.runId)
    .property('verdict', s.verdict);
  for (const t of s.thresholds) {
    const tc = suite.testCase().className(`probe-lab.${meta.plan.id}`).name(t.name);
    const measured = t.value !== undefined ? `${fmt(t.value, t.unit)} (${t.actual})` : t.actual;
    if (!t.ok) tc.failure(`measured ${measured}; expected ${t.expected}`, 'threshold');
    else tc.standardOutput(`measured ${measured}; expected ${t.expected}`);
  }
  // A halted run can hold every threshold it measured and still not be a pass.
  const v = suite.testCase().className(`probe-lab.${meta.plan.id}`).name('verdict');
  if (s.verdict !== 'PASS')
    v.failure(`verdict ${s.verdict}${s.haltReason ? ` (${s.haltReason})` : ''}; expected PASS`, 'verdict');
  return b.build();
}

export class JunitOutput extends DocumentOutput {
  readonly name: string;
  constructor(readonly file: string) {
    super();
    this.name = `junit ${file}`;
  }
  async stop(end: RunConclusion): Promise<void> {
    if (!this.meta) throw new Error('junit output stopped before it started');
    await writeFileAtomicAsync(this.file, junitXml(this.meta, summarize(end)));
  }
}
