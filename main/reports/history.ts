/** Past runs from a report folder: the History table and TES drift across runs of one plan. */
import fs from 'node:fs';
import path from 'node:path';
import type { TesScore } from '../model/evidence';

export interface ReportSummary {
  jsonPath: string;
  markdownPath: string;
  runId: string;
  planId: string;
  title: string;
  verdict: string;
  endedAt: number;
  tes: TesScore | null;
  coveragePct: number | null;
  anomalies: number;
}

/** Reads every report JSON in the folder; unreadable ones are skipped (verify names them). */
export function listReportSummaries(dir: string): ReportSummary[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => /^scale_probe_.*\.json$/.test(n));
  } catch {
    return [];
  }
  const out: ReportSummary[] = [];
  for (const n of names) {
    try {
      const doc = JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as {
        runId: string;
        plan: { id: string; title: string };
        verdict: string;
        endedAt: number;
        tes: { probe: TesScore | null };
        snapshots: { coverage: { pct: number } | null };
        anomalies?: unknown[];
      };
      out.push({
        jsonPath: path.join(dir, n),
        markdownPath: path.join(dir, n.replace(/\.json$/, '.md')),
        runId: doc.runId,
        planId: doc.plan.id,
        title: doc.plan.title,
        verdict: doc.verdict,
        endedAt: doc.endedAt,
        tes: doc.tes?.probe ?? null,
        coveragePct: doc.snapshots?.coverage?.pct ?? null,
        anomalies: Array.isArray(doc.anomalies) ? doc.anomalies.length : 0,
      });
    } catch {
      /* not a report of ours */
    }
  }
  return out.sort((a, b) => a.endedAt - b.endedAt);
}

export function previousProbeTes(dir: string, planId: string): TesScore[] {
  return listReportSummaries(dir)
    .filter((r) => r.planId === planId && r.tes && r.verdict !== 'HALTED')
    .map((r) => r.tes as TesScore);
}
