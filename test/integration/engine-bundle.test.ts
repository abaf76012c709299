/**
 * The engine runs as plain JavaScript (out/engine, scripts/engine-build.mjs), not through a module
 * loader: tsx's loader thread kept an idle engine at 0.26-0.86% of a core (bench/observer-overhead.ts
 * prints it). These tests build the bundle for real and run it, and check that the probe-lab
 * command rebuilds it when a source is newer.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../main/util/paths';

const root = projectRoot();
type EngineBuild = {
  buildEngine(root: string, dir?: string): void;
  engineBuildReason(root: string): string | null;
  engineFile(root: string, name: string): string;
};
const load = async () =>
  (await import(pathToFileURL(path.join(root, 'scripts', 'engine-build.mjs')).href)) as EngineBuild;

describe('the engine bundle', () => {
  it('builds from main/ into plain ESM that runs under bare Node with no loader', async () => {
    const { buildEngine } = await load();
    // Inside the project (packages resolve from node_modules above it), apart from out/engine.
    fs.mkdirSync(path.join(root, 'out'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, 'out', 'engine-test-'));
    buildEngine(root, dir);
    const cli = path.join(dir, 'cli.mjs');
    const text = fs.readFileSync(cli, 'utf8');
    // Everything of main/ is inside: no import of a .ts file is left for a loader to resolve.
    expect(text).not.toMatch(/(from|import\()\s*["'][^"']+\.ts["']/);
    // Bare node, no --import and no register(): `plans --json` lists the bundled plans.
    const script = `const m = await import(${JSON.stringify(pathToFileURL(cli).href)}); process.exitCode = await m.main(['plans', '--json']);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plans = JSON.parse(r.stdout) as unknown[];
    expect(JSON.stringify(plans)).toContain('quick-concurrency');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is current after the probe-lab command ran, and stale once a source is newer', async () => {
    const { engineBuildReason, engineFile } = await load();
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'probe-lab.mjs'), '--version'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(engineBuildReason(root)).toBeNull();
    // A copy of the project's layout with a bundle older than one source: the reason names it.
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-lab-bundle-root-'));
    fs.mkdirSync(path.join(fake, 'main'), { recursive: true });
    fs.mkdirSync(path.join(fake, 'out', 'engine'), { recursive: true });
    for (const n of ['cli.mjs', 'engine-host.mjs']) fs.writeFileSync(engineFile(fake, n), '');
    expect(engineBuildReason(fake)).toBeNull();
    const src = path.join(fake, 'main', 'x.ts');
    fs.writeFileSync(src, 'export {};\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(src, later, later);
    expect(engineBuildReason(fake)).toBe('sources changed since the last build');
    fs.rmSync(engineFile(fake, 'cli.mjs'));
    expect(engineBuildReason(fake)).toBe('out/engine is missing');
    fs.rmSync(fake, { recursive: true, force: true });
  });
});
