// The engine as plain JavaScript: out/engine/cli.mjs (the probe-lab command) and
// out/engine/engine-host.mjs (the engine host the Electron shell and `serve` start), each one ESM
// file bundled by esbuild from main/ with every package left in node_modules (node-pty is native).
//
// Why not run the TypeScript through tsx as before: a module loader's hooks thread keeps waking
// the process. Measured on the 2-core machines here, 30 s of an idle Node (`node
// bench/idle-floor.mjs idle 30`, with and without `--import tsx`; the observer bench prints both):
// plain 0.01% of a core, under tsx 0.26-0.86%, up to all of half a `ps` loop over 20 agents. The
// engine watches targets for hours, so it runs without a loader.
//
// bin/probe-lab.mjs and bin/engine-host.mjs build on first use and whenever a source under main/
// is newer than the bundle (about 0.3 s; the check itself about 3 ms a start), so `npx probe-lab` still works right after
// `npm install` and never runs stale code. Each file is written under a temporary name and
// renamed, so processes starting at the same moment never import a half-written bundle.
import { buildSync } from 'esbuild';
import { renameSync, statSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { newestMtime } from './console-build.mjs';

const ENTRIES = {
  'cli.mjs': `export { main } from './main/cli/index.ts';\nexport { installProcessGuards } from './main/cli/common.ts';\n`,
  'engine-host.mjs': `export { main } from './main/host/engine-host-main.ts';\n`,
};
const SOURCES = ['main', 'package.json', 'tsconfig.node.json', 'scripts/engine-build.mjs'];

/** The bundle's file for an entry ('cli.mjs' or 'engine-host.mjs'). */
export function engineFile(root, name) {
  return path.join(root, 'out', 'engine', name);
}

/** Why the engine bundle must be built first, or null when out/engine is current. */
export function engineBuildReason(root) {
  const stats = Object.keys(ENTRIES).map((n) => statSync(engineFile(root, n), { throwIfNoEntry: false }));
  if (stats.some((s) => !s)) return 'out/engine is missing';
  const oldest = Math.min(...stats.map((s) => s.mtimeMs));
  const newest = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  return newest > oldest ? 'sources changed since the last build' : null;
}

const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  legalComments: 'none',
  logLevel: 'silent',
};

/** Runs esbuild into a temporary name beside `outfile`, then renames it into place. */
function buildTo(outfile, options) {
  const tmp = path.join(path.dirname(outfile), `.${path.basename(outfile)}.${process.pid}.tmp`);
  try {
    buildSync({ ...BUNDLE_OPTIONS, ...options, outfile: tmp });
    renameSync(tmp, outfile);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Bundles one TypeScript file (a benchmark, say) to `outfile` the way the engine is bundled, so
 * that what it measures is the code users run, without a loader in the process. `outfile` must
 * sit two folders below the project root (out/<x>/), where the engine finds resources/.
 */
export function bundleFile(entry, outfile) {
  buildTo(outfile, { entryPoints: [entry] });
}

/**
 * Bundles both entries into `dir` (out/engine); throws esbuild's error (with file and line) when
 * a source does not build.
 */
export function buildEngine(root, dir = path.join(root, 'out', 'engine')) {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(ENTRIES)) {
    const stdin = { contents, resolveDir: root, sourcefile: `engine-entry-${name}`, loader: 'ts' };
    buildTo(path.join(dir, name), { stdin });
  }
}

/**
 * The engine module for `name`, built first when missing or stale. Falls back to the TypeScript
 * under tsx (slower to start, and the loader's idle cost) only when the build itself fails, and
 * says so on stderr.
 */
export async function loadEngine(root, name, tsEntry) {
  const { pathToFileURL } = await import('node:url');
  try {
    if (engineBuildReason(root)) buildEngine(root);
  } catch (err) {
    process.stderr.write(
      `probe-lab: could not build the engine bundle (${String(err?.message ?? err).split('\n')[0]}); running the TypeScript through tsx\n`,
    );
    (await import('tsx/esm/api')).register();
    return await import(pathToFileURL(path.join(root, tsEntry)).href);
  }
  // Stack traces point into main/*.ts through the bundle's inline source map.
  process.setSourceMapsEnabled(true);
  return await import(pathToFileURL(engineFile(root, name)).href);
}
