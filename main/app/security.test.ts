import { describe, expect, it } from 'vitest';
import {
  APP_START_URL,
  isAllowedNavigation,
  isPermissionAllowed,
  isSafeAppPath,
  isTrustedSender,
  withCsp,
} from './security';

describe('isAllowedNavigation', () => {
  it('allows only our own app pages', () => {
    expect(isAllowedNavigation(APP_START_URL)).toBe(true);
    expect(isAllowedNavigation('app://probe-lab/index.html#/history')).toBe(true);
  });

  it.each([
    'https://evil.example/',
    'http://127.0.0.1:8080/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'app://other/index.html',
    'app://probe-lab.evil/index.html',
    'app://user:pw@probe-lab/index.html',
    'app://probe-lab:8080/index.html',
    'about:blank',
    'not a url',
    '',
  ])('refuses %s', (url) => {
    expect(isAllowedNavigation(url)).toBe(false);
  });
});

describe('isSafeAppPath', () => {
  const root = '/opt/probe-lab/out/renderer';
  it('accepts files inside the renderer build', () => {
    expect(isSafeAppPath(root, '/index.html')).toBe(true);
    expect(isSafeAppPath(root, '/assets/index-abc123.js')).toBe(true);
    expect(isSafeAppPath(root, '/')).toBe(true);
  });

  it.each([
    '/../main/index.js',
    '/%2e%2e/secret',
    '/assets/%2e%2e/%2e%2e/x',
    '/assets/..%2f..%2fx',
    '/%00',
    '/.env',
    '/a\\..\\b',
    'relative',
    '/%E0%A4%A',
  ])('refuses %s', (p) => {
    expect(isSafeAppPath(root, p)).toBe(false);
  });
});

describe('isTrustedSender', () => {
  const trusted = new Set([7]);
  const main = { url: APP_START_URL, isMainFrame: true };

  it('trusts the main frame of a window we created while it shows our page', () => {
    expect(isTrustedSender({ webContentsId: 7, frame: main }, trusted)).toBe(true);
  });

  it('refuses other windows, subframes, destroyed frames and pages that left the app', () => {
    expect(isTrustedSender({ webContentsId: 8, frame: main }, trusted)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frame: { ...main, isMainFrame: false } }, trusted)).toBe(
      false,
    );
    expect(isTrustedSender({ webContentsId: 7, frame: null }, trusted)).toBe(false);
    expect(
      isTrustedSender(
        { webContentsId: 7, frame: { url: 'https://evil.example/', isMainFrame: true } },
        trusted,
      ),
    ).toBe(false);
    expect(
      isTrustedSender({ webContentsId: 7, frame: { url: 'file:///tmp/x.html', isMainFrame: true } }, trusted),
    ).toBe(false);
  });
});

describe('permissions and policy header', () => {
  it.each(['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen'])(
    'denies %s',
    (p) => {
      expect(isPermissionAllowed(p)).toBe(false);
    },
  );

  it('replaces any policy a response carried with ours and keeps the other headers', () => {
    const headers = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': 'text/html' });
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Security-Policy']?.[0]).toMatch(/^default-src 'self';/);
    expect(headers['Content-Security-Policy']?.[0]).toContain("object-src 'none'");
    expect(headers['Content-Type']).toEqual(['text/html']);
  });
});
