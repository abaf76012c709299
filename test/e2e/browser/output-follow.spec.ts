/**
 * The agent output pane while it follows the live end draws only the newest text (a bounded DOM,
 * so a flooding agent cannot make every redraw lay out 200 KB); scrolling up draws all the retained
 * text without yanking the reader back to the bottom, and scrolling back down follows again.
 */
import { expect, test } from '../fixtures';

const LINES = 3_000;
const FOLLOW_PLAN = {
  id: 'follow-output',
  title: 'Output follow',
  kind: 'concurrency',
  description: 'An agent that prints about 100 KB of numbered lines, then waits.',
  allowlist: ['sh'],
  targets: [
    {
      id: 'printer',
      kind: 'agent',
      command: 'sh',
      args: ['-c', `seq -f 'output line %g of the follow test' 1 ${LINES}; sleep 25`],
      count: 1,
      health: { type: 'alive' },
    },
  ],
  run: { maxDurationSec: 30 },
  pulses: { cadenceSec: 8, burst: { count: 1, spacingSec: 2 }, after: 1, timeoutSec: 5 },
  snapshots: { cadenceSec: 4 },
};

/** What the test reads and sets on the pane; the node-side tsconfig has no DOM library. */
interface Scroller {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  textContent: string | null;
}

test('the output pane draws a bounded tail while following, and everything when scrolled up', async ({
  page,
  lab,
}) => {
  const saved = await lab.invoke('plans.save', { text: JSON.stringify(FOLLOW_PLAN, null, 2) });
  expect(saved.reply.ok, JSON.stringify(saved.reply.error)).toBe(true);

  await page.goto(lab.url);
  await page.getByTestId('nav-probes').click();
  await page.getByTestId(`plan-item-${FOLLOW_PLAN.id}`).click();
  await page.getByTestId('review-start').click();
  await page.getByTestId('start-button').click();
  await page.getByTestId('confirm-input').fill(FOLLOW_PLAN.id);
  // Start is enabled once what will run was scrolled through (taller than this screen).
  await page.getByTestId('confirm-body').evaluate((b) => b.scrollTo(0, b.scrollHeight));
  await page.getByTestId('confirm-submit').click();

  const pane = page.getByTestId('output-pane-printer');
  await expect(pane).toContainText(`output line ${LINES} of`, { timeout: 20_000 });
  await expect(pane).toHaveAttribute('data-drawn', 'tail');
  // Followed: in view, the pane shows its newest line (it may have filled while off screen).
  await pane.scrollIntoViewIfNeeded();
  const fromEnd = () =>
    pane.evaluate((el) => {
      const s = el as unknown as Scroller;
      return s.scrollHeight - s.scrollTop - s.clientHeight;
    });
  await expect.poll(fromEnd).toBeLessThan(30);
  const tailText = (await pane.textContent()) ?? '';
  // About 100 KB printed; the followed tail draws a small part of it, the newest lines.
  expect(tailText.length).toBeLessThan(30_000);
  expect(tailText).not.toContain('output line 1 of');

  await pane.evaluate((el) => {
    (el as unknown as Scroller).scrollTop = 0;
  });
  await expect(pane).toHaveAttribute('data-drawn', 'all');
  await expect(pane).toContainText('output line 1 of the follow test');
  await expect(pane).toContainText(`output line ${LINES} of`);
  // The older text was drawn in above: the reader stays where they scrolled, not at the bottom.
  expect(await fromEnd()).toBeGreaterThan(1_000);

  await pane.evaluate((el) => {
    const s = el as unknown as Scroller;
    s.scrollTop = s.scrollHeight;
  });
  await expect(pane).toHaveAttribute('data-drawn', 'tail');
  expect(((await pane.textContent()) ?? '').length).toBeLessThan(30_000);

  await page.getByTestId('halt-button').click();
  await expect(page.getByTestId('halt-result')).toBeVisible();
});
