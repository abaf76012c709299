/**
 * `reports.compare`: the console's "compare these two runs" over two real runs' results documents,
 * with `probe-lab compare`'s engine, and the same containment as reports.open.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Reply } from '../../main/model/api';
import type { ResultsComparison } from '../../main/model/compare';
import type { LabHost } from '../../main/host/host';
import { readResultsFile } from '../../main/cli/check';
import { compareResults } from '../../main/scoring/compare';
import { agent, makePlan, newRun, tempDir, useTempHome, hostOverFolder } from './helpers';

let out: string;
let mdA: string;
let mdB: string;
let host: LabHost;
const mode = { kind: 'challenge' as const };

beforeAll(async () => {
  useTempHome();
  out = tempDir('compare-');
  const plan = makePlan({ targets: [agent('a', ['--run-sec', '2'])] });
  mdA = (await newRun(plan, out).run()).report.markdown;
  mdB = (await newRun(plan, out).run()).report.markdown;
  host = hostOverFolder(out);
}, 90_000);

const results = (md: string) => md.replace(/\.md$/, '.results.json');

describe('reports.compare', () => {
  it("answers what probe-lab compare's engine makes of the two runs' results documents", async () => {
    const r = (await host.invoke('reports.compare', { a: mdA, b: mdB }, mode)) as Reply<ResultsComparison>;
    if (!r.ok) throw new Error(r.error.message);
    const expected = compareResults(await readResultsFile(results(mdA)), await readResultsFile(results(mdB)));
    expect(r.value).toEqual(expected);
    expect(r.value.samePlan).toBe(true);
    expect(r.value.metrics.length).toBeGreaterThan(0);
  });

  it('refuses a path outside the report folder with the missing-report answer', async () => {
    const outside = tempDir('outside-');
    const copy = path.join(outside, path.basename(mdA));
    fs.copyFileSync(mdA, copy);
    fs.copyFileSync(results(mdA), results(copy));
    const r = await host.invoke('reports.compare', { a: copy, b: mdB }, mode);
    expect(r).toMatchObject({ ok: false, error: { code: 'REPORT_NOT_FOUND' } });
  });

  it('says so when a report has no results document beside it', async () => {
    const saved = fs.readFileSync(results(mdB));
    fs.unlinkSync(results(mdB));
    try {
      const r = await host.invoke('reports.compare', { a: mdA, b: mdB }, mode);
      expect(r).toMatchObject({ ok: false, error: { code: 'RESULTS_NOT_FOUND' } });
    } finally {
      fs.writeFileSync(results(mdB), saved);
    }
  });

  it('parses its input: an unknown key is refused', async () => {
    const r = await host.invoke('reports.compare', { a: mdA, b: mdB, c: 'x' } as never, mode);
    expect(r.ok).toBe(false);
  });
});
