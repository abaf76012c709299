/**
 * Past runs from a report folder: the reports History lists, and TES drift across runs of one plan.
 * Every report is parsed with the model's ReportDocument schema, never cast.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TesScore } from '../model/evidence';
import { ReportDocumentSchema, type ReportDocument } from '../model/report';
import { LabError, type ErrorCode } from '../util/errors';

export interface ReportSummary {
  jsonPath: string;
  markdownPath: string;
  runId: string;
  planId: string;
  title: string;
  verdict: ReportDocument['verdict'];
  endedAt: number;
  tes: TesScore | null;
  coveragePct: number | null;
  anomalies: number;
}

/** A report file that is not a readable ReportDocument: listed under a code, never trusted. */
export interface UnreadableReport {
  jsonPath: string;
  markdownPath: string;
  /** File modification time, so History can still place it. */
  modifiedAt: number;
  code: ErrorCode;
  message: string;
}

const MAX_ISSUES_IN_MESSAGE = 3;

/** Reads and parses one report JSON; throws REPORT_PARSE (or REPORT_NOT_FOUND) with what is wrong. */
export function readReportDocument(jsonPath: string): ReportDocument {
  let text: string;
  try {
    text = fs.readFileSync(jsonPath, 'utf8');
  } catch (err) {
    throw new LabError('REPORT_NOT_FOUND', `cannot read ${jsonPath}: ${(err as Error).message}`);
  }
  return parseReportDocument(text, path.basename(jsonPath));
}

/** Parses a report's JSON text; throws REPORT_PARSE naming what is wrong. */
export function parseReportDocument(text: string, name: string): ReportDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LabError('REPORT_PARSE', `${name} is not JSON: ${(err as Error).message}`);
  }
  const parsed = ReportDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.join('.'),
      code: i.code,
      message: i.message,
    }));
    const shown = issues
      .slice(0, MAX_ISSUES_IN_MESSAGE)
      .map((i) => `${i.path || '(root)'}: ${i.message}`)
      .join('; ');
    const more = issues.length > MAX_ISSUES_IN_MESSAGE ? ` (+${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
    throw new LabError(
      'REPORT_PARSE',
      `${name} is not a Probe Lab report: ${shown}${more}`,
      issues,
    );
  }
  return parsed.data;
}

/**
 * A report's own JSON, not the files beside it (`.results.json`, `.reviews.json`): report names are
 * `scale_probe_<timestamp>[_<runId>]` with no dot before the extension.
 */
const REPORT_JSON = /^scale_probe_[^.]+\.json$/;

/** Every report JSON in the folder, parsed; the ones that do not parse are listed apart. */
export function scanReports(dir: string): { reports: ReportSummary[]; unreadable: UnreadableReport[] } {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => REPORT_JSON.test(n));
  } catch {
    return { reports: [], unreadable: [] };
  }
  const reports: ReportSummary[] = [];
  const unreadable: UnreadableReport[] = [];
  for (const n of names) {
    const jsonPath = path.join(dir, n);
    const markdownPath = path.join(dir, n.replace(/\.json$/, '.md'));
    try {
      const doc = readReportDocument(jsonPath);
      reports.push({
        jsonPath,
        markdownPath,
        runId: doc.runId,
        planId: doc.plan.id,
        title: doc.plan.title,
        verdict: doc.verdict,
        endedAt: doc.endedAt,
        tes: doc.tes.probe,
        coveragePct: doc.snapshots.coverage?.pct ?? null,
        anomalies: doc.anomalies.length,
      });
    } catch (err) {
      const e = err instanceof LabError ? err : new LabError('REPORT_PARSE', String(err));
      let modifiedAt = 0;
      try {
        modifiedAt = fs.statSync(jsonPath).mtimeMs;
      } catch {
        /* gone since the listing: keep it at the start */
      }
      unreadable.push({ jsonPath, markdownPath, modifiedAt, code: e.code, message: e.message });
    }
  }
  return {
    reports: reports.sort((a, b) => a.endedAt - b.endedAt),
    unreadable: unreadable.sort((a, b) => a.modifiedAt - b.modifiedAt),
  };
}

/** The readable reports in the folder, oldest first (scanReports names the unreadable ones). */
export function listReportSummaries(dir: string): ReportSummary[] {
  return scanReports(dir).reports;
}

export function previousProbeTes(dir: string, planId: string): TesScore[] {
  return listReportSummaries(dir)
    .filter((r) => r.planId === planId && r.tes && r.verdict !== 'HALTED')
    .map((r) => r.tes as TesScore);
}
