/**
 * Shared settings for the fuzz tests: one fixed seed (seed 003) and bounded run counts, so CI
 * replays exactly the same cases every time and the whole folder stays within ~20 s. To explore,
 * set PROBE_LAB_FUZZ_SEED (and PROBE_LAB_FUZZ_RUNS) locally; a failure prints its seed and path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes } from '../../main/util/errors';
import { projectRoot } from '../../main/util/paths';

export const FUZZ_SEED = Number(process.env.PROBE_LAB_FUZZ_SEED ?? 3003);
const scale = Number(process.env.PROBE_LAB_FUZZ_RUNS ?? 1);
/** With PROBE_LAB_FUZZ_TALLY set (the load report does), each property's run count is appended there. */
export const runs = (n: number) => {
  const numRuns = Math.max(1, Math.round(n * scale));
  if (process.env.PROBE_LAB_FUZZ_TALLY) fs.appendFileSync(process.env.PROBE_LAB_FUZZ_TALLY, `${numRuns}\n`);
  return { seed: FUZZ_SEED, numRuns };
};

export const malformedDir = path.join(projectRoot(), 'test', 'fixtures', 'malformed');
export const corpusFiles = (sub: string): string[] =>
  fs
    .readdirSync(path.join(malformedDir, sub))
    .sort()
    .map((f) => path.join(malformedDir, sub, f));
export const corpusLines = (file: string): string[] => {
  const text = fs.readFileSync(path.join(malformedDir, file), 'utf8');
  return text.slice(0, text.endsWith('\n') ? -1 : undefined).split('\n');
};

export const isErrorCode = (c: unknown): boolean => typeof c === 'string' && Object.hasOwn(ErrorCodes, c);
