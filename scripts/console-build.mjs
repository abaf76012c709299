// Whether the console's build (out/) is missing or older than its sources, and the build itself.
// Shared by `npm start` (scripts/start.mjs) and `probe-lab serve` (main/cli/serve.ts), so both
// build the same way and neither serves a stale tree.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCES = ['main', 'preload', 'renderer', 'electron.vite.config.ts', 'package.json'];
const SKIP_DIRS = new Set(['node_modules', 'out', '.git']);

/** The newest modification time under `p` (a file or a folder walked whole, minus SKIP_DIRS). */
export function newestMtime(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    newest = Math.max(newest, newestMtime(path.join(p, e.name)));
  }
  return newest;
}

/** Why the console must be built first, or null when out/ is current. */
export function buildReason(root) {
  const stats = OUTPUTS.map((o) => statSync(path.join(root, o), { throwIfNoEntry: false }));
  if (stats.some((s) => !s)) return 'out/ is missing';
  const oldestOutput = Math.min(...stats.map((s) => s.mtimeMs));
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  return newestSource > oldestOutput ? 'sources changed since the last build' : null;
}

/** Builds out/ with electron-vite (about 5-10 s); returns the exit code. Output goes to `stdio`. */
export function buildConsole(root, stdio = 'inherit') {
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio });
  return r.status ?? 1;
}
