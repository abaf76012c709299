/**
 * `probe-lab audit <files-or-folders...> [--json]`: seed 002's stub audit over what a person has at
 * hand: raw `sis>` console transcripts (any number of suites per file, with the noise real consoles
 * carry), results v1 files, and run or report folders (searched for both). Runs are grouped by
 * suite (transcripts) or plan (results) and each group is audited as repetitions of one test.
 * Exit 1 on findings, 0 on none, 2 when an input cannot be read or holds nothing to audit.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../util/errors';
import { parseResultsJson } from '../scoring/results';
import { resultsToAuditRun, toAuditRun } from '../scoring/stub-audit';
import { parseTranscript } from '../scoring/transcript';
import { auditSection, renderAuditLines, type SuiteRun } from '../scoring/audit-report';
import { EXIT, parseCommand, type CommandSpec, type Io } from './common';

export const AUDIT: CommandSpec = {
  name: 'audit',
  summary: 'stub audit: flag stress results that are too perfect to be measured',
  usage: '<files-or-folders...> [--json]',
  positionals: { min: 1, max: Infinity },
  options: {
    json: { type: 'boolean', help: 'one JSON document: groups, findings with evidence, skipped runs' },
  },
  notes: [
    'Inputs: console transcripts of the stresstest shell (sis> prompts, ANSI codes, CRLF and other\n' +
      "subsystems' log lines are fine; several suites per file), *.results.json files, and folders\n" +
      '(searched for *.results.json, *.txt, *.log). A suite cut off before its summary is listed as\n' +
      'skipped, not audited.',
    'Exit 1 when there is any finding, 0 when none, 2 when an input is unreadable.',
  ],
};

/** Folders are searched this deep: a report folder holds run folders, which hold files. */
const MAX_DEPTH = 4;
/** More files than this in the folders given is almost certainly the wrong folder. */
const MAX_FILES = 5000;
/** Larger inputs are not console transcripts or results; refusing them keeps memory bounded. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const TRANSCRIPT_EXT = /\.(txt|log|transcript|out)$/i;

interface Skipped {
  file: string;
  line: number | null;
  reason: string;
}

interface Collected {
  runs: SuiteRun[];
  skipped: Skipped[];
  inputs: { file: string; type: 'results' | 'transcript'; runs: number }[];
  /** Logs in folders with no stresstest output in them. */
  ignored: number;
}

function unreadable(file: string, why: string): LabError {
  return new LabError('AUDIT_UNREADABLE', `${file}: ${why}`);
}

function listFolder(dir: string, depth: number, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw unreadable(dir, err instanceof Error ? err.message : String(err));
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH && e.name !== 'node_modules' && !e.name.startsWith('.'))
      listFolder(p, depth + 1, out);
    else if (e.isFile() && (e.name.endsWith('.results.json') || TRANSCRIPT_EXT.test(e.name))) out.push(p);
    if (out.length > MAX_FILES)
      throw unreadable(dir, `more than ${MAX_FILES} candidate files; name a smaller folder`);
  }
}

function readText(file: string): string {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadable(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text.includes('\u0000')) throw unreadable(file, 'binary file, neither a transcript nor results JSON');
  return text;
}

function addResults(file: string, text: string, c: Collected): void {
  const parsed = parseResultsJson(text);
  if (!parsed.ok)
    throw new LabError('AUDIT_UNREADABLE', `${file}: ${parsed.error.message}`, parsed.error.issues);
  const doc = parsed.value;
  c.runs.push({ suite: `plan ${doc.planId}`, run: resultsToAuditRun(doc, `${file} (${doc.runId})`) });
  c.inputs.push({ file, type: 'results', runs: 1 });
}

function addTranscript(file: string, text: string, c: Collected, explicit: boolean): void {
  const t = parseTranscript(text);
  // A folder's other logs (a target's stdout) are not errors; a file named on the line is.
  if (!explicit && t.suites.length === 0 && t.skipped.length === 0) {
    c.ignored++;
    return;
  }
  let audited = 0;
  for (const s of t.suites) {
    const label = `${file}:${s.line}`;
    if (s.truncated) {
      c.skipped.push({ file, line: s.line, reason: `${s.command ?? s.suite}: cut off before its summary` });
      continue;
    }
    c.runs.push({ suite: s.suite, run: toAuditRun(s.output, label) });
    audited++;
  }
  for (const s of t.skipped) c.skipped.push({ file, line: s.line, reason: s.reason });
  if (t.suites.length === 0 && t.skipped.length === 0)
    throw unreadable(file, 'holds no stresstest output (no sis> stresstest prompt, suite header or summary)');
  c.inputs.push({ file, type: 'transcript', runs: audited });
}

function addFile(file: string, c: Collected, explicit: boolean): void {
  const text = readText(file);
  const looksJson = file.endsWith('.json') || /^\s*\{/.test(text);
  if (looksJson) addResults(file, text, c);
  else addTranscript(file, text, c, explicit);
}

export function collectAuditInputs(args: readonly string[]): Collected {
  const c: Collected = { runs: [], skipped: [], inputs: [], ignored: 0 };
  for (const arg of args) {
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch (err) {
      throw unreadable(arg, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isDir) {
      addFile(arg, c, true);
      continue;
    }
    const files: string[] = [];
    listFolder(arg, 0, files);
    if (files.length === 0)
      throw unreadable(arg, 'folder holds no *.results.json or transcript (*.txt, *.log)');
    const before = c.inputs.length;
    for (const f of files) addFile(f, c, false);
    if (c.inputs.length === before)
      throw unreadable(
        arg,
        `folder holds no results and no stresstest output (${files.length} file(s) looked at)`,
      );
  }
  return c;
}

export async function auditCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(AUDIT, argv, io);
  if (!args) return EXIT.PASS;
  const c = collectAuditInputs(args.pos);
  if (c.runs.length === 0)
    throw new LabError(
      'AUDIT_UNREADABLE',
      `nothing to audit: every suite run in ${args.pos.join(', ')} was cut off or unparseable (${c.skipped.length} skipped)`,
    );
  const section = auditSection(c.runs);
  if (args.flags.get('json') === true) {
    io.out(JSON.stringify({ ...section, inputs: c.inputs, skipped: c.skipped, ignored: c.ignored }, null, 2));
  } else {
    io.out(
      `audited ${section.runs} run(s) from ${c.inputs.length} file(s), grouped into ${section.groups.length} suite(s)`,
    );
    for (const line of renderAuditLines(section)) io.out(line);
    for (const s of c.skipped) io.out(`skipped ${s.file}${s.line !== null ? `:${s.line}` : ''}: ${s.reason}`);
    const codes = Object.entries(section.codes).map(([k, n]) => `${k} ${n}`);
    io.out(
      section.findings === 0
        ? 'audit passed: no finding; the numbers vary the way measurements do'
        : `audit FAILED: ${section.findings} finding(s) (${codes.join(', ')})`,
    );
  }
  return section.findings > 0 ? EXIT.FAIL : EXIT.PASS;
}
