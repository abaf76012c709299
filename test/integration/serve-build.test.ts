/**
 * `probe-lab serve` right after `npm install` (no out/ yet) builds the console first, as `npm start`
 * does, instead of refusing with "console is not built". The real build runs (electron-vite, about
 * 10 s); out/ is moved aside for the test and put back if the test fails before rebuilding it.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'out');
const aside = path.join(root, `out.aside-${process.pid}`);

afterAll(() => {
  // A failed build must not leave the tree without a console for the tests that follow.
  if (!existsSync(path.join(out, 'renderer', 'index.html')) && existsSync(aside)) {
    rmSync(out, { recursive: true, force: true });
    renameSync(aside, out);
  } else rmSync(aside, { recursive: true, force: true });
});

it('serve from a clean out/ builds the console, then serves it', async () => {
  if (existsSync(out)) renameSync(out, aside);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'probe-lab.mjs'), 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, PROBE_LAB_HOME: path.join(aside + '-home') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(stdout);
        if (m) {
          clearInterval(t);
          resolve(m[0]);
        }
      }, 100);
      child.on('exit', (code) => {
        clearInterval(t);
        reject(new Error(`serve exited ${code}: ${stderr}`));
      });
    });
    expect(stderr).toMatch(/building the console first \(out\/ is missing\)/);
    expect(existsSync(path.join(out, 'renderer', 'index.html'))).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(aside + '-home', { recursive: true, force: true });
  }
}, 180_000);
