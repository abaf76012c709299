/**
 * Attacks on browser mode: no or wrong token, forged starts that skip the typed challenge, and
 * hostile markup in agent output. Each one must fail in the way a person can see.
 */
import { expect, test } from '../fixtures';
import { TOKEN_STORAGE_KEY } from '../../../renderer/src/api/token';
import { processesInside } from '../procs';

/** The page's sessionStorage, typed here: the node-side tsconfig has no DOM library. */
interface WebStorage {
  setItem(key: string, value: string): void;
}

const WRONG_TOKEN = 'f'.repeat(64);

test.describe('the access token', () => {
  test('the page without a token, or with a wrong one, is a 401 that says AUTH_REQUIRED', async ({
    page,
    lab,
  }) => {
    for (const address of [`${lab.origin}/`, `${lab.origin}/?token=${WRONG_TOKEN}`]) {
      const res = await page.goto(address);
      expect(res?.status()).toBe(401);
      await expect(page.getByTestId('error-banner')).toContainText('AUTH_REQUIRED');
      await expect(page.getByTestId('nav-probes')).toHaveCount(0);
    }
  });

  test('the API refuses a missing or wrong token with 401 AUTH_REQUIRED', async ({ lab }) => {
    for (const token of [null, WRONG_TOKEN, lab.token.slice(0, -1)]) {
      const { status, reply } = await lab.invoke('runs.list', {}, token);
      expect(status).toBe(401);
      expect(reply.error?.code).toBe('AUTH_REQUIRED');
    }
  });

  test('a console holding a stale token shows AUTH_REQUIRED instead of data', async ({ page, lab }) => {
    await page.goto(lab.url);
    await expect(page.getByTestId('nav-probes')).toBeVisible();
    // As after a server restart: the page cookie still opens the page, the stored token is wrong.
    await page.evaluate(
      ([key, t]) => (globalThis as unknown as { sessionStorage: WebStorage }).sessionStorage.setItem(key, t),
      [TOKEN_STORAGE_KEY, WRONG_TOKEN] as const,
    );
    await page.reload();
    await page.getByTestId('nav-probes').click();
    await expect(
      page.locator('[data-testid="error-banner"][data-code="AUTH_REQUIRED"]').first(),
    ).toBeVisible();
  });
});

test('forged starts never start a run', async ({ lab }) => {
  const forged = await lab.invoke('runs.answerChallenge', {
    challengeId: 'made-up-challenge',
    typedPlanId: 'quick-concurrency',
  });
  expect(forged.reply.ok).toBe(false);

  const requested = await lab.invoke('runs.requestStart', { plan: { id: 'quick-concurrency' } });
  expect(requested.reply).toMatchObject({
    ok: true,
    value: { kind: 'challenge', planId: 'quick-concurrency' },
  });
  const challengeId = (requested.reply.value as { challengeId: string }).challengeId;

  const mistyped = await lab.invoke('runs.answerChallenge', {
    challengeId,
    typedPlanId: 'quick-concurrency ',
  });
  expect(mistyped.reply).toMatchObject({ ok: false, error: { code: 'CONFIRM_MISMATCH' } });
  const guessed = await lab.invoke('runs.answerChallenge', {
    challengeId: challengeId + 'x',
    typedPlanId: 'quick-concurrency',
  });
  expect(guessed.reply.ok).toBe(false);
  const noTyping = await lab.invoke('runs.answerChallenge', { challengeId });
  expect(noTyping.reply).toMatchObject({ ok: false, error: { code: 'IPC_INVALID' } });

  await new Promise((r) => setTimeout(r, 1_500));
  expect((await lab.invoke('runs.list', {})).reply).toEqual({ ok: true, value: [] });
  expect(processesInside(lab.reportsDir, [lab.pid, process.pid])).toEqual([]);
});

/** A plan whose one target prints markup and a `javascript:` link, then idles until halted. */
const HOSTILE_LINES = [
  '<a href="https://evil.example/" id="evil-link">click me</a>',
  'javascript:alert(document.domain)',
  '<img src=x onerror="alert(1)">',
  '<script>alert(2)</script>',
];
const HOSTILE_PLAN = {
  id: 'hostile-output',
  title: 'Hostile output',
  kind: 'concurrency',
  description: 'An agent that prints links and markup.',
  allowlist: ['sh'],
  targets: [
    {
      id: 'hostile',
      kind: 'agent',
      command: 'sh',
      args: ['-c', `printf '%s\\n' ${HOSTILE_LINES.map((l) => `'${l}'`).join(' ')}; sleep 20`],
      count: 1,
      health: { type: 'alive' },
    },
  ],
  run: { maxDurationSec: 25 },
  pulses: { cadenceSec: 8, burst: { count: 1, spacingSec: 2 }, after: 1, timeoutSec: 5 },
  snapshots: { cadenceSec: 4 },
};

test('links and markup in agent output are shown as text: nothing to click, no navigation', async ({
  page,
  lab,
}, testInfo) => {
  const saved = await lab.invoke('plans.save', { text: JSON.stringify(HOSTILE_PLAN, null, 2) });
  expect(saved.reply.ok, JSON.stringify(saved.reply.error)).toBe(true);

  const dialogs: string[] = [];
  const popups: string[] = [];
  const evilRequests: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('popup', (p) => popups.push(p.url()));
  page.on('request', (r) => {
    if (!r.url().startsWith(lab.origin)) evilRequests.push(r.url());
  });

  await page.goto(lab.url);
  await page.getByTestId('nav-probes').click();
  await page.getByTestId(`plan-item-${HOSTILE_PLAN.id}`).click();
  await page.getByTestId('review-start').click();
  await page.getByTestId('start-button').click();
  await page.getByTestId('confirm-input').fill(HOSTILE_PLAN.id);
  // Start is enabled once what will run was scrolled through (taller than this screen).
  await page.getByTestId('confirm-body').evaluate((b) => b.scrollTo(0, b.scrollHeight));
  await page.getByTestId('confirm-submit').click();

  const pane = page.locator('[data-testid^="output-pane-"]').first();
  await expect(pane).toContainText('click me', { timeout: 20_000 });
  await expect(pane).toContainText('<a href="https://evil.example/"');
  await expect(pane).toContainText('javascript:alert(document.domain)');
  await expect(pane.locator('a, img, script, iframe')).toHaveCount(0);
  await expect(page.locator('#evil-link')).toHaveCount(0);

  const before = page.url();
  await pane.getByText('click me').click();
  await pane.getByText('javascript:alert(document.domain)').click();
  await page.waitForTimeout(500);
  expect(page.url()).toBe(before);
  expect({ dialogs, popups, evilRequests }).toEqual({ dialogs: [], popups: [], evilRequests: [] });
  await page.screenshot({ path: testInfo.outputPath('hostile-output.png'), fullPage: true });

  await page.getByTestId('halt-button').click();
  await expect(page.getByTestId('halt-result')).toBeVisible();
});
