/**
 * Seed 000 §5 from the console: a real quick run's report, opened in History, gets a review from
 * the form; the review shows under the run, verification lists it, and the ledger holds it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '../fixtures';
import { REPO_ROOT } from '../paths';

const PLAN = 'quick-concurrency';

test('record a review of a run from History and see it verified', async ({ page, lab }) => {
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'probe-lab.mjs'),
      'run',
      PLAN,
      '--confirm',
      PLAN,
      '--out',
      lab.reportsDir,
      '--json',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, PROBE_LAB_HOME: join(lab.root, 'home') },
      encoding: 'utf8',
      timeout: 80_000,
    },
  );
  expect(run.stderr).not.toContain('INTERNAL');
  const result = JSON.parse(run.stdout) as { runId: string };

  await page.goto(lab.url);
  await page.getByTestId('nav-history').click();
  const row = page.getByTestId('history-row').first();
  await expect(row.getByTestId('history-trust')).toHaveAttribute('data-trust', 'trusted');
  await row.click();
  const whole = page.locator('[data-testid="anomaly-review"][data-anomaly="run"]');
  await expect(whole).toContainText('not reviewed yet');
  // The note box has room for a paragraph (a one-line input clipped its own placeholder).
  const note = whole.getByTestId('review-note');
  expect(await note.evaluate((n) => n.tagName)).toBe('TEXTAREA');
  const box = await note.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThanOrEqual(480);
  expect(box?.height ?? 0).toBeGreaterThanOrEqual(60);
  await whole.getByTestId('review-verdict').selectOption('needs-work');
  // Enter starts a new line; the note keeps it.
  await note.fill('pulse 3 was slow <b>check</b>');
  await note.press('End');
  await note.press('Enter');
  await note.pressSequentially('second line');
  await expect(whole.getByTestId('review-entry')).toHaveCount(0);
  await whole.getByTestId('review-record').click();
  await expect(whole.getByTestId('review-entry')).toContainText('needs-work');
  await expect(whole.getByTestId('review-entry')).toContainText('pulse 3 was slow <b>check</b>');
  expect(await whole.locator('.review-note-text').textContent()).toBe(
    'pulse 3 was slow <b>check</b>\nsecond line',
  );
  await expect(page.getByTestId('verification-reviews')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('report-verification')).toHaveAttribute('data-trust', 'trusted');

  const ledger = readFileSync(join(lab.reportsDir, 'runs', result.runId, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const last = JSON.parse(ledger.at(-1) ?? '{}') as {
    type: string;
    data: { verdict: string; anomaly: null };
  };
  expect(last).toMatchObject({ type: 'review', data: { verdict: 'needs-work', anomaly: null } });
  expect(readdirSync(lab.reportsDir).some((n) => n.endsWith('.reviews.json'))).toBe(true);
});
