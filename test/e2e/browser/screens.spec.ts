/**
 * Every screen in Chromium, photographed and checked for the defects issue 15 found: Settings,
 * Probes, the preview and the confirm dialog, a live run while it runs and after it ended, and
 * History with a report open and two runs compared. One earlier run comes from the CLI, so History
 * has two runs to compare. The screenshots are attached to the test for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
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

/** Each element lies wholly inside the viewport and inside the visible part of the confirm body. */
async function expectOnScreen(page: Page, items: Locator[]): Promise<void> {
  const view = page.viewportSize() ?? { width: 0, height: 0 };
  const body = await page.locator('[data-testid="confirm-dialog"] .modal-body').boundingBox();
  expect(body).not.toBeNull();
  for (const item of items) {
    const b = await item.boundingBox();
    expect(b, String(item)).not.toBeNull();
    if (!b || !body) continue;
    expect(b.x, String(item)).toBeGreaterThanOrEqual(0);
    expect(b.y, String(item)).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, String(item)).toBeLessThanOrEqual(view.width);
    expect(b.y + b.height, String(item)).toBeLessThanOrEqual(view.height);
    if ((await item.getAttribute('data-testid')) === 'confirm-submit') continue;
    expect(b.x + b.width, String(item)).toBeLessThanOrEqual(body.x + body.width);
    expect(b.y + b.height, String(item)).toBeLessThanOrEqual(body.y + body.height);
  }
}

/**
 * Each guard-rail bar draws the host reading it names (0-100 %, the limit marked), not the breach's
 * share of the window, which once drew a nearly full bar beside "CPU 82 %".
 */
async function expectHonestRails(page: Page): Promise<void> {
  const cpu = page.locator('[data-testid="guard-rail"][data-metric="cpu"]');
  await expect(cpu).toContainText('Host CPU (all cores)');
  await expect(cpu).toContainText('limit 85 %');
  for (const rail of await page.getByTestId('guard-rail').all()) {
    const pct = await rail.getAttribute('data-value-pct');
    const bar = rail.getByTestId('guard-rail-bar');
    await expect(bar).toHaveAttribute('aria-label', /% used, limit \d+ %/);
    if (pct === '' || pct === null) {
      await expect(rail.getByTestId('guard-rail-value')).toHaveText('not measured');
      continue;
    }
    await expect(rail.getByTestId('guard-rail-value')).toHaveText(`${pct} %`);
    const outer = await bar.boundingBox();
    const fill = await bar.locator('.rail-fill').boundingBox();
    if (!outer || !fill) throw new Error('a guard-rail bar has no box');
    expect(Math.abs(fill.width / (outer.width - 2) - Number(pct) / 100)).toBeLessThan(0.03);
  }
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
  // Every plan-issue list shown while the plan loads, so a brief false one is caught too.
  await page.evaluate(`(() => {
    window.__issuesSeen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="plan-issue"]')) window.__issuesSeen.push(el.textContent);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
  await page.getByTestId(`plan-item-${PLAN}`).click();
  await expect(page.getByTestId('plan-issues')).toHaveAttribute('data-valid', 'true');
  expect(await page.evaluate('window.__issuesSeen')).toEqual([]);
  await shoot(page, testInfo, '2-probes');
  await page.getByTestId('review-start').click();
  await expect(page.getByTestId('preview')).toBeVisible();
  // The targets table wraps inside its panel; the page itself never scrolls sideways.
  expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
    0,
  );
  await expect(page.getByText(/up to 0 min/)).toHaveCount(0);
  await shoot(page, testInfo, '3-preview');
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await page.getByTestId('confirm-input').fill(PLAN);
  // What will run, env included, is on screen without scrolling, and Start is enabled only so.
  const dialog = page.getByTestId('confirm-dialog');
  await expectOnScreen(page, [
    dialog.getByTestId('preview-targets'),
    ...(await dialog.getByTestId('preview-target-env').all()),
    dialog.getByTestId('preview-lines'),
    dialog.getByTestId('confirm-submit'),
  ]);
  await expect(page.getByTestId('confirm-body')).toHaveAttribute('data-seen-all', 'true');
  await expect(dialog.getByTestId('preview-target-env').first()).toContainText(/\S/);
  await shoot(page, testInfo, '4-confirm');
  await page.getByTestId('confirm-submit').click();

  const live = page.getByTestId('live-screen');
  await expect(live).toBeVisible();
  await expect
    .poll(() => page.getByTestId('pulse-cell').count(), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('pulse-health-note')).toContainText('not the verdict');
  await expectHonestRails(page);
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
  await expect(page.frameLocator('[data-testid="report-html"]').locator('h1')).toBeVisible();
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
  // Thousands are grouped in every column alike: no bare five-digit figure beside "29,260".
  for (const cell of await table.getByTestId('compare-metric').locator('td').allInnerTexts())
    expect(cell).not.toMatch(/(?<![\d,.])\d{4,}(?![\d,])/);
  await shoot(page, testInfo, '8-history-compare');
  const detail = testInfo.outputPath('9-compare-table.png');
  await page.getByTestId('compare-view').screenshot({ path: detail });
  await testInfo.attach('9-compare-table', { path: detail, contentType: 'image/png' });
});

test('the confirm dialog on a short screen: Start stays disabled until what will run was scrolled through', async ({
  page,
  lab,
}) => {
  // The quick plan with an env of its own, so the env column has something to show.
  const plan = JSON.parse(readFileSync(join(REPO_ROOT, 'resources', 'plans', `${PLAN}.json`), 'utf8')) as {
    id: string;
    targets: { env?: Record<string, string> }[];
  };
  plan.id = 'env-shown';
  for (const t of plan.targets) t.env = { WORKLOAD_MODE: 'steady state' };
  const saved = await lab.invoke('plans.save', { text: JSON.stringify(plan, null, 2) });
  expect(saved.reply.ok, JSON.stringify(saved.reply.error)).toBe(true);

  await page.setViewportSize({ width: 1280, height: 480 });
  await page.goto(lab.url);
  await page.getByTestId('nav-probes').click();
  await page.getByTestId(`plan-item-${plan.id}`).click();
  await page.getByTestId('review-start').click();
  await page.getByTestId('start-button').click();
  const dialog = page.getByTestId('confirm-dialog');
  const body = page.getByTestId('confirm-body');
  // What will run comes first: the targets and their env are in view before any scrolling.
  await expect(dialog.getByTestId('preview-target-env')).toContainText("WORKLOAD_MODE='steady state'");
  await expectOnScreen(page, [dialog.getByTestId('preview-target-env')]);
  await expect(body).toHaveAttribute('data-seen-all', 'false');
  await page.getByTestId('confirm-input').fill(plan.id);
  await expect(page.getByTestId('confirm-submit')).toBeDisabled();
  await expect(page.getByTestId('confirm-gate')).toBeVisible();
  // The dialog itself stays on screen: only its body scrolls.
  const box = await dialog.boundingBox();
  expect((box?.y ?? 0) + (box?.height ?? 1e9)).toBeLessThanOrEqual(480);
  await body.evaluate((b) => b.scrollTo(0, b.scrollHeight));
  await expect(body).toHaveAttribute('data-seen-all', 'true');
  await expect(page.getByTestId('confirm-submit')).toBeEnabled();
  await page.getByTestId('confirm-cancel').click();
});
