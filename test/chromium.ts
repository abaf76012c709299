/**
 * How Probe Lab drives a browser on these machines: Debian's Chromium, never a downloaded one, with
 * the flags that keep it from reaching for a network it does not have. Shared by the end-to-end
 * tests (playwright.config.ts) and the console benchmark (bench/console.ts).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
