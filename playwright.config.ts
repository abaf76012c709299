/**
 * End-to-end tests on real parts: `probe-lab serve` as a child process driven through Debian's
 * Chromium (browser mode), and the Electron app when its binary exists (skipped with a one-line
 * reason otherwise). Playwright's own browser downloads are never used.
 */
import { defineConfig } from '@playwright/test';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere on other machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testDir: 'test/e2e/electron' },
  ],
});
