import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, ensureConfigDir } from './config-dir';

describe('configDir', () => {
  it('prefers PROBE_LAB_HOME, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configDir({ PROBE_LAB_HOME: '/a/b', XDG_CONFIG_HOME: '/x' })).toBe('/a/b');
    expect(configDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/probe-lab');
    expect(configDir({})).toBe(join(homedir(), '.config', 'probe-lab'));
  });

  it('creates the folder with parents, private to the user', () => {
    const root = mkdtempSync(join(tmpdir(), 'cfgdir-'));
    try {
      const dir = join(root, 'nested', 'probe-lab');
      expect(ensureConfigDir(dir)).toBe(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('tightens a folder that already existed with loose permissions', () => {
    const root = mkdtempSync(join(tmpdir(), 'cfgdir-'));
    try {
      const dir = join(root, 'probe-lab');
      mkdirSync(dir, { mode: 0o755 });
      ensureConfigDir(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
