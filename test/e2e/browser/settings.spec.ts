/**
 * Settings in the console: the folder reports go to is shown, with serve's --reports override
 * named; an agent registered there is listed beside the plan editor, where a plan can name it.
 */
import { expect, test } from '../fixtures';

test('Settings shows the report folder in effect and registered agents reach the plan editor', async ({
  page,
  lab,
}) => {
  await page.goto(lab.url);
  await page.getByTestId('nav-settings').click();
  const effective = page.getByTestId('settings-effective-folder');
  await expect(effective).toContainText(lab.reportsDir);
  await expect(page.getByTestId('settings-folder-overridden')).toContainText('--reports');

  await page.getByTestId('settings-agent-add').click();
  await page.getByTestId('settings-agent-name-0').fill('my-agent');
  await page.getByTestId('settings-agent-command-0').fill('/bin/sh');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();

  await page.getByTestId('nav-probes').click();
  await page.getByTestId('plan-new').click();
  const registered = page.getByTestId('registered-targets');
  await registered.locator('summary').click();
  await expect(registered.getByTestId('registered-agent')).toContainText('my-agent');
  await expect(registered.getByTestId('registered-agent')).toContainText('/bin/sh');
});
