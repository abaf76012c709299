/**
 * Measures the stub audit's false-positive rate on honest runs: N groups of R honest console
 * sessions (test/support/honest-stresstest.ts: real allocations, a real bandit, a real random
 * chaos schedule), each group audited the way `probe-lab audit` audits R transcripts. A group with
 * any finding is a false positive. Prints the rate, its 95% upper bound, and every finding code seen.
 *
 *   node bin/run-ts.mjs test/support/audit-fp-rate.ts [--groups 40] [--runs 3] [--duration-ms 300]
 *   node bin/run-ts.mjs test/support/audit-fp-rate.ts --write-fixtures test/fixtures/audit
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditSection, type SuiteRun } from '../../main/scoring/audit-report';
import { toAuditRun } from '../../main/scoring/stub-audit';
import { parseTranscript } from '../../main/scoring/transcript';
import { DEFAULT_HONEST, addConsoleNoise, honestSession } from './honest-stresstest';

export async function falsePositiveRate(groups: number, runs: number, durationMs: number) {
  const codes: Record<string, number> = {};
  const examples: string[] = [];
  let flagged = 0;
  for (let g = 0; g < groups; g++) {
    const suiteRuns: SuiteRun[] = [];
    for (let r = 0; r < runs; r++) {
      const text = addConsoleNoise(await honestSession({ ...DEFAULT_HONEST, durationMs }), {
        ansi: r === 1,
        crlf: r === 2,
      });
      for (const s of parseTranscript(text).suites)
        suiteRuns.push({ suite: s.suite, run: toAuditRun(s.output, `g${g}r${r}:${s.line}`) });
    }
    const section = auditSection(suiteRuns);
    if (section.findings > 0) flagged++;
    for (const f of section.groups.flatMap((x) => x.findings))
      if (examples.length < 10) examples.push(`${f.code} ${f.metric}: ${f.message}`.slice(0, 200));
    for (const [k, n] of Object.entries(section.codes)) codes[k] = (codes[k] ?? 0) + n;
  }
  // Wilson-free, distribution-free bound: with 0 of n flagged, 3/n is the 95% upper bound (rule of three).
  const rate = flagged / groups;
  return { groups, runs, flagged, rate, upper95: flagged === 0 ? 3 / groups : null, codes, examples };
}

const TRUNCATED_TAIL = [
  'sis> stresstest memory --duration 300',
  '=== Memory Stress Test ===',
  'Duration: 300 ms',
  'Target Pressure: 85%',
  '[MEMORY] Starting allocation loop...',
  '[MEMORY] Pressure: 41% (0.0s)',
  '',
].join('\n');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string', default: '40' },
      runs: { type: 'string', default: '3' },
      'duration-ms': { type: 'string', default: String(DEFAULT_HONEST.durationMs) },
      'write-fixtures': { type: 'string' },
    },
  });
  if (values['write-fixtures']) {
    for (let r = 1; r <= 3; r++) {
      let text = addConsoleNoise(await honestSession(DEFAULT_HONEST), { ansi: r === 2, crlf: r === 3 });
      // The third session was cut off in the middle of a fourth suite, as a closed terminal leaves it.
      if (r === 3) text += TRUNCATED_TAIL.replace(/\n/g, '\r\n');
      writeFileSync(path.join(values['write-fixtures'], `honest-run-${r}.txt`), text);
    }
    return;
  }
  const res = await falsePositiveRate(
    Number(values.groups),
    Number(values.runs),
    Number(values['duration-ms']),
  );
  console.log(JSON.stringify(res, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
