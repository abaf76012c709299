#!/usr/bin/env node
// `npm test`: type checks (node and web sides), lint, build, unit + integration tests (vitest, real
// processes, real QEMU where set up), end-to-end tests (Playwright in Debian's Chromium). Ends with
// one plain line, `tests: N passed, N failed, N skipped`, summed over both runners.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
// Playwright empties test-results/ when it starts: the runners' summaries live elsewhere.
const SUMMARY_DIR = '.cache/test-summary';
fs.rmSync(SUMMARY_DIR, { recursive: true, force: true });
fs.mkdirSync(SUMMARY_DIR, { recursive: true });
const failures = [];
const t0 = Date.now();

function stage(name, cmd, args, env = {}) {
  const t = Date.now();
  process.stdout.write(`\n=== ${name}: ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  process.stdout.write(
    `=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`,
  );
  if (!ok) failures.push(name);
  return ok;
}

const npx = 'npx';
stage('typecheck (node side)', npx, ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
stage('typecheck (web side)', npx, ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
stage('lint', npx, ['eslint', '.']);
stage('format (prettier)', npx, ['prettier', '--check', '.']);
stage('layers and cycles (dependency-cruiser)', npx, [
  'depcruise',
  'main',
  'preload',
  'renderer/src',
  '--config',
  '.dependency-cruiser.cjs',
]);
const built = stage('build', npx, ['electron-vite', 'build']);
stage('unit and integration (vitest)', npx, [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${SUMMARY_DIR}/vitest.json`,
]);
if (fs.existsSync('playwright.config.ts') && built) {
  stage('end to end (playwright)', npx, ['playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(root, SUMMARY_DIR, 'playwright.json'),
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const v = JSON.parse(fs.readFileSync(`${SUMMARY_DIR}/vitest.json`, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failed += v.numFailedTests ?? 0;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} catch {
  failures.push('vitest results missing');
}
try {
  const p = JSON.parse(fs.readFileSync(`${SUMMARY_DIR}/playwright.json`, 'utf8'));
  passed += p.stats?.expected ?? 0;
  failed += (p.stats?.unexpected ?? 0) + (p.stats?.flaky ?? 0);
  skipped += p.stats?.skipped ?? 0;
} catch {
  if (fs.existsSync('playwright.config.ts')) failures.push('playwright results missing');
}
process.stdout.write(
  `\n${failures.length ? `failed stages: ${failures.join(', ')}` : 'all stages ok'} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failures.length || failed ? 1 : 0);
