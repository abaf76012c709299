/**
 * The Electron app, when this machine has its binary and a display. Electron is never require()d:
 * the binary named by node_modules/electron/path.txt is launched directly, and without it every
 * test here is skipped with one line saying why.
 */
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, electronBinary } from '../paths';

const BIN = electronBinary();
const NO_DISPLAY = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
test.skip(BIN === null, 'Electron binary not installed (offline machine): Electron tests skipped');
test.skip(NO_DISPLAY, 'No display (DISPLAY/WAYLAND_DISPLAY unset): Electron tests skipped');

/** What the page sees of the world; the node-side tsconfig has no DOM library. */
interface PageGlobals {
  require?: unknown;
  process?: unknown;
  lab: {
    invoke(
      channel: string,
      input: unknown,
    ): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
  };
  open(url: string): unknown;
  location: { href: string };
}
const page = (): PageGlobals => globalThis as unknown as PageGlobals;

let app: ElectronApplication;
let home: string;

test.beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'probe-lab-electron-'));
  app = await electron.launch({
    executablePath: BIN ?? '',
    args: [REPO_ROOT],
    env: { ...process.env, PROBE_LAB_HOME: home },
  });
});

test.afterEach(async () => {
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

test('the window shows the console from app:// with no Node and only window.lab', async () => {
  const win = await app.firstWindow();
  await expect(win.getByTestId('nav-probes')).toBeVisible();
  expect(win.url()).toMatch(/^app:\/\/probe-lab\//);
  expect(await win.evaluate(() => [typeof page().require, typeof page().process])).toEqual([
    'undefined',
    'undefined',
  ]);
  expect(await win.evaluate(() => Object.keys(page().lab).sort())).toEqual([
    'invoke',
    'mode',
    'onOutput',
    'onRunEvent',
  ]);
});

test('new windows and navigation away from the app are refused', async () => {
  const win = await app.firstWindow();
  await expect(win.getByTestId('nav-probes')).toBeVisible();
  const start = win.url();
  expect(await win.evaluate(() => page().open('https://evil.example/') === null)).toBe(true);
  await win.evaluate(() => (page().location.href = 'https://evil.example/'));
  await win.waitForTimeout(500);
  expect(win.url()).toBe(start);
  expect(app.windows()).toHaveLength(1);
});

test('a start is asked in the native dialog, and Cancel starts nothing', async () => {
  const win = await app.firstWindow();
  await expect(win.getByTestId('nav-probes')).toBeVisible();
  // The main process answers its own dialog with the default button (Cancel), as Escape would.
  await app.evaluate(({ dialog }) => {
    const asked: unknown[] = [];
    (globalThis as unknown as { asked: unknown[] }).asked = asked;
    dialog.showMessageBox = (async (...args: unknown[]) => {
      asked.push(args.at(-1));
      return { response: 0, checkboxChecked: false };
    }) as typeof dialog.showMessageBox;
  });
  const answer = await win.evaluate(() =>
    page().lab.invoke('runs.requestStart', { plan: { id: 'quick-concurrency' } }),
  );
  expect(answer).toMatchObject({ ok: true, value: { kind: 'declined' } });
  const asked = await app.evaluate(
    () => (globalThis as unknown as { asked: { buttons: string[]; defaultId: number }[] }).asked,
  );
  expect(asked[0]).toMatchObject({ buttons: ['Cancel', 'Start'], defaultId: 0 });
  expect(await win.evaluate(() => page().lab.invoke('runs.list', {}))).toEqual({ ok: true, value: [] });
  expect(await win.evaluate(() => page().lab.invoke('no.such.channel', {}))).toMatchObject({
    ok: false,
    error: { code: 'IPC_INVALID' },
  });
});
