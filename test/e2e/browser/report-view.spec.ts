/**
 * History opens a report as a document: the signed HTML report in a sandboxed srcdoc iframe, with
 * its SVG charts styled, and no Content-Security-Policy violation on the page (the frame inherits
 * the console's policy, which allows the report's style sheet by hash and nothing else inline).
 * The report comes from a real quick-concurrency run through the CLI, signed with serve's own key;
 * a run the guard rails halt on a loaded machine still writes one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '../fixtures';
import { REPO_ROOT } from '../paths';

test('History shows the HTML report with its charts in a sandboxed frame, CSP intact', async ({
  page,
  lab,
}, testInfo) => {
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'probe-lab.mjs'),
      'run',
      'quick-concurrency',
      '--confirm',
      'quick-concurrency',
      '--out',
      lab.reportsDir,
    ],
    { env: { ...process.env, PROBE_LAB_HOME: join(lab.root, 'home') }, encoding: 'utf8', timeout: 80_000 },
  );
  expect(run.stdout).toMatch(/signed report: /);
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });

  await page.goto(lab.url);
  await page.getByTestId('nav-history').click();
  const row = page.getByTestId('history-row').first();
  await expect(row).toBeVisible({ timeout: 20_000 });
  await row.click();
  await expect(page.getByTestId('report-verification')).toHaveAttribute('data-ok', 'true', {
    timeout: 20_000,
  });

  const frame = page.getByTestId('report-html');
  await expect(frame).toHaveAttribute('sandbox', '');
  const doc = page.frameLocator('[data-testid="report-html"]');
  await expect(doc.locator('h1')).toContainText('Scale probe report: Quick concurrency probe');
  expect(await doc.locator('svg').count()).toBeGreaterThanOrEqual(4);
  // Styled: the report's style sheet was allowed (white verdict text on its coloured badge).
  await expect(doc.locator('.verdict')).toHaveCSS('color', 'rgb(255, 255, 255)');
  await expect(page.getByTestId('report-markdown')).toHaveCount(0);
  expect(violations).toEqual([]);
  const shot = testInfo.outputPath('report-html.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('report-html', { path: shot, contentType: 'image/png' });
});
