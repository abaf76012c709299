/**
 * The run's file outputs, like k6's --out: declared once here (the run command's option table
 * spreads them in), checked before the run starts, and each wrapped so its failure is said at the
 * end without ever stopping the run (the recorder catches it and records OBSERVER_FAILED).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunStreamEvent } from '../../model/api';
import type { RunConclusion, RunOutput } from '../../run/output';
import { LabError } from '../../util/errors';
import type { Args, OptionSpec } from '../common';
import { CsvOutput } from './csv';
import { JunitOutput, SummaryExportOutput } from './documents';
import { NdjsonOutput } from './ndjson';

export const OUTPUT_OPTIONS: Record<string, OptionSpec> = {
  ndjson: { type: 'string', value: 'FILE', help: 'stream every record of the run as one JSON line (NDJSON)' },
  csv: { type: 'string', value: 'FILE', help: 'stream a CSV time series: one row per pulse and per sample' },
  junit: { type: 'string', value: 'FILE', help: 'JUnit XML at the end: one test case per threshold' },
  'summary-export': {
    type: 'string',
    value: 'FILE',
    help: 'the end-of-run summary as JSON (metrics with percentiles, thresholds with values)',
  },
};

const MAKERS: Record<string, (file: string) => RunOutput> = {
  ndjson: (f) => new NdjsonOutput(f),
  csv: (f) => new CsvOutput(f),
  junit: (f) => new JunitOutput(f),
  'summary-export': (f) => new SummaryExportOutput(f),
};

/** A file output's path, made absolute; refused (USAGE) before the run when it cannot be written. */
function checkedPath(flag: string, file: string): string {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw new LabError('USAGE', `--${flag} ${file}: cannot write in ${dir} (${(err as Error).message})`);
  }
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory())
    throw new LabError('USAGE', `--${flag} ${file}: is a folder, not a file`);
  return abs;
}

export interface FileOutputs {
  outputs: RunOutput[];
  /** One line per output that failed (a write error, dropped lines), said after the run. */
  failures: string[];
  files: Record<string, string>;
}

export function fileOutputs(args: Args): FileOutputs {
  const failures: string[] = [];
  const outputs: RunOutput[] = [];
  const files: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [flag, make] of Object.entries(MAKERS)) {
    const v = args.flags.get(flag);
    if (typeof v !== 'string') continue;
    const file = checkedPath(flag, v);
    const other = seen.get(file);
    if (other) throw new LabError('USAGE', `--${flag} and --${other} name the same file ${v}`);
    seen.set(file, flag);
    files[flag] = file;
    outputs.push(noted(make(file), failures));
  }
  return { outputs, failures, files };
}

/** Notes an output's failure for the end of the run, then lets the recorder catch it as before. */
function noted(o: RunOutput, failures: string[]): RunOutput {
  const note = (err: unknown) => {
    const line = `${o.name}: ${err instanceof Error ? err.message : String(err)}`;
    if (!failures.includes(line)) failures.push(line);
  };
  return {
    name: o.name,
    start: (meta) => {
      try {
        o.start(meta);
      } catch (err) {
        note(err);
        throw err;
      }
    },
    add: (e: RunStreamEvent) => {
      try {
        o.add(e);
      } catch (err) {
        note(err);
        throw err;
      }
    },
    stop: async (end: RunConclusion) => {
      try {
        await o.stop(end);
      } catch (err) {
        note(err);
        throw err;
      }
    },
  };
}
