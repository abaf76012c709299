/**
 * What `probe-lab run` prints once the run ended: the --json document, or the k6-style summary,
 * the output files, the signed report and how to verify it.
 */
import type { RunResult } from '../run/runner';
import type { Io } from './common';
import type { FileOutputs } from './outputs/index';
import { renderSummary, type RunSummaryData } from './summary';

export interface RunEndView {
  json: boolean;
  colour: boolean;
  tty: boolean;
  /** Writes a line to stdout unescaped (the summary's colour); null for another Io. */
  direct: ((s: string) => void) | null;
}

export function printRunEnd(
  io: Io,
  v: RunEndView,
  result: RunResult,
  data: RunSummaryData | null,
  files: FileOutputs,
): void {
  const { json, colour, tty, direct } = v;
  if (json) {
    io.out(
      JSON.stringify(
        {
          runId: result.runId,
          verdict: result.verdict,
          exitCode: result.exitCode,
          tes: result.probeTes?.score ?? null,
          // Each threshold keeps its prose `actual` and adds `value` and `unit`.
          thresholds: result.thresholds,
          metrics: data?.metrics ?? [],
          headline: data?.headline ?? null,
          report: result.report,
          outputs: files.files,
          outputFailures: files.failures,
          haltReason: result.haltReason,
        },
        null,
        2,
      ),
    );
  } else {
    if (data)
      for (const line of renderSummary(data, {
        colour,
        ...(tty ? { width: process.stdout.columns || 80 } : {}),
      }))
        if (colour && direct) direct(line);
        else io.out(line);
    else {
      for (const t of result.thresholds)
        io.out(`${t.ok ? 'pass' : 'FAIL'}  ${t.name}: ${t.actual} (expected ${t.expected})`);
      io.out(`verdict: ${result.verdict}${result.haltReason ? ` (${result.haltReason})` : ''}`);
    }
    io.out('');
    for (const [flag, file] of Object.entries(files.files)) io.out(`${`--${flag}:`.padEnd(17)} ${file}`);
    for (const f of files.failures) io.err(`output failed (the run went on): ${f}`);
    io.out(`signed report: ${result.report.markdown}`);
    io.out(`               ${result.report.json}`);
    if (result.report.results)
      io.out(
        `results (v1):  ${result.report.results}   (gate it: probe-lab check ${result.report.results} ...)`,
      );
    io.out(`verify with:   probe-lab verify ${result.report.markdown}`);
    io.out(
      `          or:  ssh-keygen -Y verify -f ${result.report.allowedSigners} -I probe-lab -n probe-lab-report -s ${result.report.markdown}.sig < ${result.report.markdown}`,
    );
  }
}
