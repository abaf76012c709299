#!/usr/bin/env node
// `npm test`: type checks (node and web sides), lint, build, unit + integration tests (vitest, real
// processes, real QEMU where set up), end-to-end tests (Playwright in Debian's Chromium). Ends with
// one plain line, `tests: N passed, N failed, N skipped`, summed over both runners.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
// What the tests use from the system, each from Debian's packages: a real Chromium (Playwright),
// a real QEMU and busybox (the lab kernel), OpenSSH (reports are checked with stock ssh-keygen),
// iproute2 and python3 (a real HTTP service). Installed here when run as root (CI, a fresh
// container); otherwise the run stops first with the exact command, never skipping silently.
const SYSTEM_NEEDS = [
  { what: 'Chromium', file: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pkg: 'chromium' },
  { what: 'QEMU', cmd: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { what: 'busybox (static)', file: '/bin/busybox', pkg: 'busybox-static' },
  { what: 'ssh-keygen', cmd: 'ssh-keygen', pkg: 'openssh-client' },
  { what: 'ip', cmd: 'ip', pkg: 'iproute2' },
  { what: 'python3', cmd: 'python3', pkg: 'python3' },
];
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = SYSTEM_NEEDS.filter((n) => (n.file ? !fs.existsSync(n.file) : !onPath(n.cmd)));
if (missing.length) {
  const pkgs = missing.map((n) => n.pkg);
  const install = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  process.stdout.write(
    `npm test needs ${missing.map((n) => n.what).join(', ')} (Debian packages: ${pkgs.join(' ')}).\n`,
  );
  if (process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get')) {
    process.stdout.write(`installing: ${install}\n`);
    const r = spawnSync('sh', ['-c', install], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) {
      process.stdout.write(
        `the install failed (exit ${r.status}); run it by hand: sudo sh -c '${install}'\n`,
      );
      process.exit(2);
    }
  } else {
    process.stdout.write(`Install them first, then run npm test again:\n  sudo sh -c '${install}'\n`);
    process.exit(2);
  }
}

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
