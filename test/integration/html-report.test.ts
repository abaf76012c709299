/**
 * The HTML report over a real quick-concurrency run (4 real agents, the bundled plan's cadences):
 * it is written beside the .md, carries its charts as inline SVG and nothing that runs or loads,
 * verifies with `probe-lab verify`, fails when one byte changes, and shows a hostile governance
 * name escaped. The governance folder is a temp copy (the plan's own folder must not be touched).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parsePlanObject } from '../../main/model/plan';
import { bundledPlansDir } from '../../main/plans/catalog';
import { verifyReport } from '../../main/reports/verify';
import { REPORT_STYLE_SOURCE } from '../../main/web/static';
import { openReport } from '../../main/host/report-access';
import type { RunResult } from '../../main/run/runner';
import { newRun, tempDir, useTempHome, waitFor } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
const HOSTILE = '<img src=x onerror=alert(1)>\x1b[31m';

let result: RunResult;
let html: string;
let gov: string;

beforeAll(async () => {
  useTempHome();
  gov = path.join(tempDir('gov-'), `gov ${HOSTILE}`);
  fs.mkdirSync(gov);
  fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode on\n');
  fs.writeFileSync(path.join(gov, 'SENTINEL'), 'v1\n');
  const raw = JSON.parse(fs.readFileSync(path.join(bundledPlansDir(), 'quick-concurrency.json'), 'utf8'));
  const plan = parsePlanObject({
    ...raw,
    governance: { folder: gov, sentinels: [path.join(gov, 'SENTINEL')] },
  });
  const run = newRun(plan, tempDir('html-out-'));
  const done = run.run();
  // A file the target "chose" appears mid-run, so its name is printed in the Changed list too.
  await waitFor(() => run.pulses.some((p) => p.phase === 'during'), 30_000, 'a pulse during the probe');
  fs.writeFileSync(path.join(gov, HOSTILE), 'pwned\n');
  result = await done;
  html = fs.readFileSync(result.report.html, 'utf8');
}, 90_000);

describe('the HTML report of a real quick-concurrency run', () => {
  it('is written beside the .md, signed, with at least 4 SVG charts and nothing that runs or loads', () => {
    expect(result.report.html).toBe(result.report.markdown.replace(/\.md$/, '.html'));
    expect(fs.existsSync(`${result.report.html}.sig`)).toBe(true);
    expect(html.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    expect(html).toMatch(/<h2>File I\/O<\/h2>\s*<p>Slowest operation per pulse over \d+ pulse/);
    expect(html).toContain('<polyline'); // the host chart has many samples: a line
    expect(html).toMatch(/<circle class="dot latency"/);
    expect(html).not.toMatch(/<script/i);
    // Every `<` of text is escaped, so each `<name ...>` is a real tag: none has an event handler,
    // a style attribute or anything that loads.
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((t) => /\s(?:on[a-z]+|style|src|href|srcset|action)\s*=/i.test(t))).toEqual([]);
    // No URL that could load anything: only the SVG namespace name, which is never fetched.
    const urls = html.match(/\b(?:https?|ftp|wss?):\/\/[^\s"'<>)]*/gi) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toContain(`Verdict: ${result.verdict}`);
  });

  it('shows the hostile governance name escaped, its ESC byte spelled out', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;\\x1b[31m');
  });

  it("reports.open hands the console the HTML; its one style sheet is the one the console's CSP allows", () => {
    const opened = openReport(path.dirname(result.report.markdown), result.report.markdown);
    expect(opened.html).toBe(html);
    expect(opened.verification.ok).toBe(true);
    const sheets = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] as string);
    expect(sheets).toHaveLength(1);
    expect(
      `'sha256-${createHash('sha256')
        .update(sheets[0] as string)
        .digest('base64')}'`,
    ).toBe(REPORT_STYLE_SOURCE);
  });

  it('probe-lab verify passes, and checks the .html: one flipped byte fails it', () => {
    const ok = spawnSync(process.execPath, [BIN, 'verify', result.report.markdown], { encoding: 'utf8' });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(verifyReport(result.report.markdown).signatures.map((s) => s.file)).toContain(
      path.basename(result.report.html),
    );
    // Stock OpenSSH accepts the HTML's signature too.
    const ssh = spawnSync(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        result.report.allowedSigners,
        '-I',
        'probe-lab',
        '-n',
        'probe-lab-report',
        '-s',
        `${result.report.html}.sig`,
      ],
      { input: fs.readFileSync(result.report.html), encoding: 'utf8' },
    );
    expect(ssh.status, ssh.stderr).toBe(0);
    const buf = fs.readFileSync(result.report.html);
    const at = buf.indexOf('Compliance pulses');
    buf[at] = (buf[at] as number) ^ 0x20;
    fs.writeFileSync(result.report.html, buf);
    const bad = spawnSync(process.execPath, [BIN, 'verify', result.report.markdown], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/\.html/);
    const v = verifyReport(result.report.markdown);
    expect(v.ok).toBe(false);
    expect(v.signatures.find((s) => s.file.endsWith('.html'))?.ok).toBe(false);
  });

  it('a report written before the HTML existed (no .html) still verifies, and opens as Markdown', () => {
    fs.unlinkSync(result.report.html);
    fs.unlinkSync(`${result.report.html}.sig`);
    expect(verifyReport(result.report.markdown).ok).toBe(true);
    expect(openReport(path.dirname(result.report.markdown), result.report.markdown).html).toBeNull();
  });
});
