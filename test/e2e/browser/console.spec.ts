/**
 * The console as a person uses it in browser mode: pick the quick plan, review it, start it by
 * typing its id, watch pulses arrive, halt it mid-run, and open its verified report from History.
 */
import { expect, test } from '../fixtures';
import { isRunning, processTree, processesInside, type ProcId } from '../procs';

const PLAN = 'quick-concurrency';

interface TargetStateDto {
  targetId: string;
  state: string;
  pid: number | null;
}

test('start the quick plan, halt it mid-run, and read its verified report', async ({
  page,
  lab,
}, testInfo) => {
  await page.goto(lab.url);
  await page.getByTestId('nav-probes').click();
  await page.getByTestId(`plan-item-${PLAN}`).click();
  await page.getByTestId('review-start').click();
  await page.getByTestId('start-button').click();

  const confirm = page.getByTestId('confirm-dialog');
  await expect(confirm).toBeVisible();
  await page.getByTestId('confirm-input').fill(PLAN);
  await page.getByTestId('confirm-submit').click();

  const live = page.getByTestId('live-screen');
  await expect(live).toBeVisible();
  const runId = await live.getAttribute('data-run-id');
  expect(runId).toBeTruthy();
  await expect
    .poll(() => page.getByTestId('pulse-cell').count(), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);

  // Every process of the run, read while it runs: the targets' pids and all their descendants.
  const state = await lab.invoke('runs.state', { runId });
  expect(state.reply.ok).toBe(true);
  const targets = (state.reply.value as { targets: TargetStateDto[] }).targets;
  const pids = targets.map((t) => t.pid).filter((p): p is number => p !== null);
  expect(pids.length).toBeGreaterThan(0);
  const procs: ProcId[] = pids.flatMap((pid) => processTree(pid));
  expect(procs.filter(isRunning).length).toBeGreaterThan(0);

  const shot = testInfo.outputPath('live-run.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('live-run', { path: shot, contentType: 'image/png' });

  await page.getByTestId('halt-button').click();
  await expect(page.getByTestId('halt-result')).toBeVisible();
  expect(procs.filter(isRunning)).toEqual([]);
  expect(processesInside(lab.reportsDir, [lab.pid, process.pid])).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('halted.png'), fullPage: true });

  await page.getByTestId('nav-history').click();
  const row = page.getByTestId('history-row').first();
  await expect(row).toBeVisible({ timeout: 20_000 });
  // Signed by the lab's own key, which its config folder trusts: trusted, with the signer shown.
  await expect(row.getByTestId('history-trust')).toHaveAttribute('data-trust', 'trusted');
  await expect(row.getByTestId('history-trust')).toContainText('SHA256:');
  await row.click();
  await expect(page.getByTestId('report-verification')).toHaveAttribute('data-ok', 'true', {
    timeout: 20_000,
  });
  await page.screenshot({ path: testInfo.outputPath('report.png'), fullPage: true });
});
