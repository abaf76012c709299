/**
 * The report: `scale_probe_<timestamp>.md` and a machine-readable `.json` beside it, each written
 * atomically (never half-written) and signed in OpenSSH's SSHSIG format, so stock
 * `ssh-keygen -Y verify` accepts them offline. The JSON binds the ledger by record count and head
 * hash, so a change to any evidence record breaks verification.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file';
import { REPORT_NAMESPACE, loadOrCreateSigningKey } from './keys';
import { signSshsig } from './sshsig';
import { renderMarkdown } from './markdown';
import { buildReportDocument, reportBaseName, type ReportInput } from './document';
import { renderHtml, reportSeries } from './html';
import { probeResultsDocument } from '../scoring/probe-results';

export { REPORT_SCHEMA, METHODS, buildReportDocument, reportBaseName, type ReportDocument, type ReportInput } from './document';

export interface ReportFiles {
  markdown: string;
  json: string;
  markdownSig: string;
  jsonSig: string;
  /** The same report as one self-contained HTML page with charts, signed and bound like the .md. */
  html: string;
  htmlSig: string;
  /** The user's trusted signers (config folder), for the `ssh-keygen -Y verify -f` hint; nothing is written beside the report. */
  allowedSigners: string;
  /** The results v1 document (every run), for `probe-lab check` and `compare`. */
  results?: string;
}

export function writeSignedReport(input: ReportInput): ReportFiles {
  const key = loadOrCreateSigningKey();
  const doc = buildReportDocument(input, key.openssh);
  fs.mkdirSync(input.outDir, { recursive: true });
  let base = reportBaseName(input.endedAt);
  if (fs.existsSync(path.join(input.outDir, `${base}.md`))) base = `${base}_${input.runId}`;
  const mdPath = path.join(input.outDir, `${base}.md`);
  const jsonPath = path.join(input.outDir, `${base}.json`);
  // Each document is encoded once, and those bytes are signed and written: a 24 h run's JSON is
  // ~25 MB, and its text, a copy to sign and a copy to write used to be alive at once.
  const jsonBytes = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
  const mdBytes = Buffer.from(renderMarkdown(doc, path.basename(jsonPath)));
  // Signatures first, then the documents: a reader who sees a report always finds its signature.
  // No allowed_signers beside the report: a copy there would be trusted by whoever reads it, and
  // whoever can replace the report can replace it. `probe-lab export-key` hands the key out explicitly.
  writeFileAtomic(`${jsonPath}.sig`, signSshsig(jsonBytes, key.privateKey, REPORT_NAMESPACE));
  writeFileAtomic(`${mdPath}.sig`, signSshsig(mdBytes, key.privateKey, REPORT_NAMESPACE));
  let resultsPath: string | undefined;
  // A kind's own results (chaos) win; every other run gets the probe's pulses, TES, coverage, resources.
  const results = findResultsDocument(input.extra) ?? probeResultsDocument(doc, input.samples);
  if (results) {
    resultsPath = path.join(input.outDir, `${base}.results.json`);
    const bytes = Buffer.from(`${JSON.stringify(results, null, 2)}\n`);
    writeFileAtomic(`${resultsPath}.sig`, signSshsig(bytes, key.privateKey, REPORT_NAMESPACE));
    writeFileAtomic(resultsPath, bytes);
  }
  // --- HTML report (issue 15): signed before it is written, like the others.
  const htmlPath = path.join(input.outDir, `${base}.html`);
  const htmlBytes = Buffer.from(renderHtml(doc, reportSeries(input), path.basename(jsonPath)));
  writeFileAtomic(`${htmlPath}.sig`, signSshsig(htmlBytes, key.privateKey, REPORT_NAMESPACE));
  writeFileAtomic(htmlPath, htmlBytes);
  // --- end HTML report
  writeFileAtomic(jsonPath, jsonBytes);
  writeFileAtomic(mdPath, mdBytes);
  return {
    markdown: mdPath,
    json: jsonPath,
    markdownSig: `${mdPath}.sig`,
    jsonSig: `${jsonPath}.sig`,
    html: htmlPath,
    htmlSig: `${htmlPath}.sig`,
    allowedSigners: key.allowedSignersPath,
    ...(resultsPath ? { results: resultsPath } : {}),
  };
}

/** An extension's results v1 document (`extra.<name>.results` with the v1 schema tag), if any. */
function findResultsDocument(extra: Record<string, unknown> | undefined): unknown {
  for (const v of Object.values(extra ?? {})) {
    const r = (v as { results?: { schema?: unknown } } | null)?.results;
    if (r && typeof r === 'object' && r.schema === 'probe-lab/results/v1') return r;
  }
  return undefined;
}
