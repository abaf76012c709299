import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appResponse } from './protocol';

const dir = mkdtempSync(join(tmpdir(), 'probe-lab-app-'));
mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html>');
writeFileSync(join(dir, 'renderer', 'assets', 'a.js'), 'x');
writeFileSync(join(dir, 'secret.txt'), 'secret');
const root = join(dir, 'renderer');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves the build with its type and our policy header', async () => {
    const page = await appResponse(root, 'app://probe-lab/index.html', 'GET');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(await page.text()).toBe('<!doctype html>');
    expect(
      (await appResponse(root, 'app://probe-lab/assets/a.js', 'GET')).headers.get('content-type'),
    ).toContain('javascript');
  });

  it('refuses traversal, other hosts and other methods', async () => {
    for (const url of [
      'app://probe-lab/%2e%2e/secret.txt',
      'app://probe-lab/assets/..%2f..%2fsecret.txt',
      'app://other/index.html',
    ]) {
      const res = await appResponse(root, url, 'GET');
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('secret');
    }
    expect((await appResponse(root, 'app://probe-lab/index.html', 'POST')).status).toBe(405);
  });
});
