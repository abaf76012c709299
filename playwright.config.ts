/**
 * End-to-end tests on real parts: `probe-lab serve` as a child process driven through Debian's
 * Chromium (browser mode), and the Electron app when its binary exists (skipped with a one-line
 * reason otherwise). Playwright's own browser downloads are never used.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './test/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  globalSetup: './test/e2e/global-setup.ts',
  // Probes measure the machine they run on: one test at a time keeps the guard rails honest.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  globalTimeout: 5 * 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: { screenshot: 'only-on-failure', trace: 'off', actionTimeout: 15_000 },
  projects: [
    {
      name: 'browser',
      testDir: 'test/e2e/browser',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: CHROMIUM,
          args: CHROMIUM_ARGS,
        },
      },
    },
    { name: 'electron', testDir: 'test/e2e/electron' },
  ],
});
