/**
 * The report folder as the console sees it: the History rows (with each report's trust level and
 * signer) and opening one report. A path from the page is never trusted: every file read is a
 * regular file directly in the report folder, opened without following a symlink, and a missing
 * file and a file outside get the same answer, so the replies say nothing about the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { HistoryRow, OpenedReport, ReviewAnswer, ReviewVerdict, VerifyResult } from '../model/api';
import type { ResultsComparison } from '../model/compare';
import { compareResults } from '../scoring/compare';
import { parseResultsJson, type ResultsDoc } from '../scoring/results';
import { parseReportDocument, scanReports } from '../reports/history';
import { MISSING_CODES } from '../model/verify';
import { anomalyId } from '../reports/anomaly-context';
import { recordReview } from '../reports/review';
import { verifyReport } from '../reports/verify';
import { LabError } from '../util/errors';

const REPORT_NAME = /^scale_probe_[^/\\]*\.(md|json|html)$/;

const notFound = (): LabError => new LabError('REPORT_NOT_FOUND', 'no such report in the report folder');

/** The folder's real path, or null when it does not exist (then there are no reports). */
function realFolder(folder: string): string | null {
  try {
    return fs.realpathSync(folder);
  } catch {
    return null;
  }
}

/** Reads `<root>/<name>` only if it is a regular file there, never through a symlink. */
function readContained(root: string, name: string): string {
  let fd: number;
  try {
    fd = fs.openSync(path.join(root, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    throw notFound();
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw notFound();
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function historyRows(folder: string): HistoryRow[] {
  const root = realFolder(folder);
  const within = root ? { within: root } : {};
  const { reports, unreadable } = scanReports(folder);
  const rows: HistoryRow[] = reports.map((r) => {
    const v = verifyReport(r.markdownPath, within);
    const missing = v.signatures.length === 0 || v.signatures.some((s) => MISSING_CODES.has(s.code));
    const signature: HistoryRow['signature'] = missing ? 'missing' : v.ok ? 'valid' : 'invalid';
    return {
      reportPath: r.markdownPath,
      date: r.endedAt,
      planId: r.planId,
      title: r.title,
      verdict: r.verdict,
      tes: r.tes?.score ?? null,
      coveragePct: r.coveragePct,
      signature,
      trust: v.trust,
      signer: v.signer,
      unreadable: null,
      anomalies: r.anomalies,
      awaitingReview: awaitingReview(r.anomalies, v),
    };
  });
  // A report that does not parse is still listed, so a damaged or foreign file is seen.
  for (const u of unreadable) {
    const v = verifyReport(u.markdownPath, within);
    rows.push({
      reportPath: u.markdownPath,
      date: u.modifiedAt,
      planId: '',
      title: path.basename(u.jsonPath),
      verdict: null,
      tes: null,
      coveragePct: null,
      signature: v.ok ? 'valid' : 'invalid',
      trust: v.trust,
      signer: v.signer,
      unreadable: { code: u.code, message: u.message },
      anomalies: 0,
      awaitingReview: 0,
    });
  }
  return rows.sort((a, b) => b.date - a.date);
}

/** Anomalies no verified review names yet (a run-wide review leaves each anomaly still to review). */
function awaitingReview(anomalies: number, v: VerifyResult): number {
  const reviewed = new Set(v.reviews?.ok ? v.reviews.list.map((r) => r.anomaly) : []);
  let n = 0;
  for (let i = 0; i < anomalies; i++) if (!reviewed.has(anomalyId(i))) n++;
  return n;
}

/** The real folder and base name of a report directly in it, from a path the page sent. */
function containedReport(folder: string, reportPath: string): { root: string; base: string } {
  const root = realFolder(folder);
  if (root === null || typeof reportPath !== 'string') throw notFound();
  // The path must name a report directly in the folder (as History lists it, or as its real path).
  const asked = path.resolve(folder, reportPath);
  const dir = path.dirname(asked);
  const name = path.basename(asked);
  if ((dir !== path.resolve(folder) && dir !== root) || !REPORT_NAME.test(name)) throw notFound();
  return { root, base: name.replace(/\.(md|json|html)$/, '') };
}

/**
 * Records a review from the console: the report must be one of the folder's, read as openReport
 * reads it; the reviewer is the OS user the host runs as (the console has no other identity).
 */
export function reviewReport(
  folder: string,
  input: { reportPath: string; anomaly: string | null; verdict: ReviewVerdict; note: string },
): ReviewAnswer {
  const { root, base } = containedReport(folder, input.reportPath);
  readContained(root, `${base}.md`);
  readContained(root, `${base}.json`);
  const r = recordReview(
    path.join(root, `${base}.md`),
    { anomaly: input.anomaly, verdict: input.verdict, note: input.note, by: os.userInfo().username },
    { within: root },
  );
  return { review: r.review, verification: r.verification };
}

export function openReport(folder: string, reportPath: string): OpenedReport {
  const { root, base } = containedReport(folder, reportPath);
  const markdown = readContained(root, `${base}.md`);
  const jsonText = readContained(root, `${base}.json`);
  const json = parseReportDocument(jsonText, `${base}.json`);
  const md = path.join(root, `${base}.md`);
  // The HTML report (issue 15), absent from reports written before it: shown only in a sandboxed iframe.
  let html: string | null = null;
  try {
    html = readContained(root, `${base}.html`);
  } catch {
    html = null;
  }
  return { reportPath: md, markdown, json, html, verification: verifyReport(md, { within: root }) };
}

/** The results document written beside a report of the folder (`<base>.results.json`). */
function containedResults(folder: string, reportPath: string): ResultsDoc {
  const { root, base } = containedReport(folder, reportPath);
  // The report itself first: a path that is not one of the folder's reports says only "not found".
  readContained(root, `${base}.md`);
  let text: string;
  try {
    text = readContained(root, `${base}.results.json`);
  } catch {
    throw new LabError('RESULTS_NOT_FOUND', `${base}.md has no ${base}.results.json beside it`);
  }
  const parsed = parseResultsJson(text);
  if (!parsed.ok) throw new LabError(parsed.error.code, `${base}.results.json: ${parsed.error.message}`);
  return parsed.value;
}

/** `probe-lab compare`'s engine over two reports of the folder: A is the earlier pick. */
export function compareReports(folder: string, input: { a: string; b: string }): ResultsComparison {
  return compareResults(containedResults(folder, input.a), containedResults(folder, input.b));
}
