/**
 * Every screen in Chromium, photographed and checked for the defects issue 15 found: Settings,
 * Probes, the preview and the confirm dialog, a live run while it runs and after it ended, and
 * History with a report open and two runs compared. One earlier run comes from the CLI, so History
 * has two runs to compare. The screenshots are attached to the test for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from '../fixtures';
import { REPO_ROOT } from '../paths';

const PLAN = 'quick-concurrency';

async function shoot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  // From the top: a full-page shot taken scrolled draws the fixed header mid-page.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The nav column reaches the bottom of the page, however long the page is. */
async function expectFullHeightNav(page: Page): Promise<void> {
  // A string, as this file is compiled without the DOM library.
  const m = (await page.evaluate(`({
    nav: document.querySelector('[data-testid="app-nav"]').getBoundingClientRect().bottom + window.scrollY,
    page: document.documentElement.scrollHeight,
    viewport: window.innerHeight,
  })`)) as { nav: number; page: number; viewport: number };
  expect(m.page).toBeGreaterThan(m.viewport); // a long page, or the check proves nothing
  expect(m.nav).toBeGreaterThanOrEqual(m.page - 1);
}

/** As chart-scale.ts rounds: 1, 2 or 5 times a power of ten above the top point with head room. */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

test('every screen, photographed, without the defects of issue 15', async ({ page, lab }, testInfo) => {
  test.setTimeout(200_000);
  const earlier = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'probe-lab.mjs'), 'run', PLAN, '--confirm', PLAN, '--out', lab.reportsDir],
    { env: { ...process.env, PROBE_LAB_HOME: join(lab.root, 'home') }, encoding: 'utf8', timeout: 80_000 },
  );
  expect(earlier.stdout).toMatch(/signed report: /);
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.goto(lab.url);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-report-folder')).toBeVisible();
  await shoot(page, testInfo, '1-settings');

  await page.getByTestId('nav-probes').click();
  await page.getByTestId(`plan-item-${PLAN}`).click();
  await shoot(page, testInfo, '2-probes');
  await page.getByTestId('review-start').click();
  await expect(page.getByTestId('preview')).toBeVisible();
  // The targets table scrolls inside its panel; the page itself never scrolls sideways.
  expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
    0,
  );
  await expect(page.getByText(/up to 0 min/)).toHaveCount(0);
  await shoot(page, testInfo, '3-preview');
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await page.getByTestId('confirm-input').fill(PLAN);
  await shoot(page, testInfo, '4-confirm');
  await page.getByTestId('confirm-submit').click();

  const live = page.getByTestId('live-screen');
  await expect(live).toBeVisible();
  await expect
    .poll(() => page.getByTestId('pulse-cell').count(), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('pulse-health-note')).toContainText('not the verdict');
  await shoot(page, testInfo, '5-live-running');

  // The run ends by itself: the bar is complete and says "ended", not a frozen partial.
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 80_000 });
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-ended', 'true');
  await expect(page.getByTestId('progress-label')).toHaveText('ended');
  await expect(page.locator('progress.progress-ended')).toHaveAttribute('value', '100');

  // The latency axis follows the data; guides above it are named, not drawn off-scale.
  const latencies = await page
    .getByTestId('pulse-cell')
    .evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-latency-ms'))));
  const chart = page.getByTestId('pulse-chart');
  await expect(chart).toHaveAttribute('data-y-max', String(niceCeil((Math.max(...latencies) / 1000) * 1.25)));
  if (Math.max(...latencies) < 2_000) await expect(chart.getByTestId('guides-above')).toContainText('3 s');

  // Events: elapsed since the run start, oldest first.
  const times = await page.getByTestId('timeline-time').allTextContents();
  expect(times.length).toBeGreaterThan(1);
  for (const t of times) expect(t).toMatch(/^\+\d+:\d\d$/);
  expect(times[0]).toBe('+0:00');

  // Protocol lines hidden until asked for.
  const panes = page.locator('[data-testid^="output-pane-"]');
  expect((await panes.allTextContents()).join('')).not.toContain('@lab {');
  // A pane with nothing but protocol lines says so rather than stand empty.
  for (const pane of await panes.all())
    if (((await pane.textContent()) ?? '').trim() === '') throw new Error('an output pane stands empty');
  await page.getByTestId('show-protocol').check();
  await expect.poll(async () => (await panes.allTextContents()).join('')).toContain('@lab {');
  await page.getByTestId('show-protocol').uncheck();

  await expect(page.locator('body')).not.toContainText(/\b1 files\b/);
  await expectFullHeightNav(page);
  await shoot(page, testInfo, '6-live-ended');

  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('history-row')).toHaveCount(2, { timeout: 20_000 });
  await page.getByTestId('history-row').first().click();
  await expect(page.getByTestId('report-verification')).toHaveAttribute('data-ok', 'true', {
    timeout: 20_000,
  });
  await expectFullHeightNav(page);
  await shoot(page, testInfo, '7-history-report');

  await page.getByTestId('history-filter-text').fill('no such run');
  await expect(page.getByTestId('history-row')).toHaveCount(0);
  await page.getByTestId('history-filter-text').fill('');
  await page.getByTestId('history-filter-plan').selectOption(PLAN);
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await expect(page.getByTestId('compare-runs')).toBeDisabled();
  for (const pick of await page.getByTestId('history-pick').all()) await pick.check();
  await page.getByTestId('compare-runs').click();
  const table = page.getByTestId('compare-table');
  await expect(table).toBeVisible({ timeout: 20_000 });
  expect(await table.getByTestId('compare-metric').count()).toBeGreaterThan(0);
  await shoot(page, testInfo, '8-history-compare');
  const detail = testInfo.outputPath('9-compare-table.png');
  await page.getByTestId('compare-view').screenshot({ path: detail });
  await testInfo.attach('9-compare-table', { path: detail, contentType: 'image/png' });
});
