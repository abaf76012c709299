/**
 * The HTML report's binding (issue 15): like the .md, the .html must carry exactly one line with
 * the run id, plan hash and ledger head the signed JSON names, so a PASS page cannot be shown for a
 * FAIL run. Reports written before the HTML existed have none, and still verify.
 */
import type { ErrorCode } from '../util/errors';
import { BINDING_PREFIX } from './markdown';
import { htmlBindingLine } from './html';

export interface HtmlBindingProblem {
  code: ErrorCode;
  detail: string;
}

const problem = (code: ErrorCode, message: string): HtmlBindingProblem => ({ code, detail: `${code}: ${message}` });

/** `<base>.html` beside a report's `.md`. */
export const htmlPathFor = (mdPath: string): string => mdPath.replace(/\.md$/, '.html');

/** Null when the HTML is bound to this JSON; otherwise why not (REPORT_MISMATCH / REPORT_PARSE). */
export function htmlBindingProblem(html: Buffer, json: Buffer | null): HtmlBindingProblem | null {
  let pins: { runId?: unknown; plan?: { hash?: unknown }; ledger?: { head?: unknown } };
  try {
    pins = JSON.parse(json?.toString('utf8') ?? '') as typeof pins;
  } catch {
    return problem('REPORT_PARSE', 'the JSON report does not parse, so the .html cannot be tied to it');
  }
  const { runId, plan, ledger } = pins ?? {};
  if (typeof runId !== 'string' || typeof plan?.hash !== 'string' || typeof ledger?.head !== 'string')
    return problem('REPORT_PARSE', 'the JSON names no run, plan or ledger');
  const want = htmlBindingLine(runId, plan.hash, ledger.head);
  const lines = html
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(BINDING_PREFIX));
  if (lines.length === 1 && lines[0] === want) return null;
  return lines.length === 0
    ? problem('REPORT_MISMATCH', 'the .html carries no binding line, so it cannot be tied to this .json and ledger')
    : problem('REPORT_MISMATCH', `the .html is bound to another run (${lines.join(' / ')}); the .json says: ${want}`);
}
