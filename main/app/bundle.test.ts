/**
 * The file Electron loads as its main process (out/main/index.js) must load no native module:
 * node-pty is built for Node's ABI, and in Electron it dies with NODE_MODULE_VERSION before a
 * window opens. The engine runs in the engine host child instead. Builds first when out/main is
 * missing or older than the sources (electron-vite takes a few seconds).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'out', 'main', 'index.js');
const SOURCES = ['main', 'preload', 'electron.vite.config.ts', 'package.json'];

function newestMtime(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

function ensureBuilt(): void {
  const built = fs.statSync(BUNDLE, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))))) return;
  const cli = path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  execFileSync(process.execPath, [cli, 'build'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Every module specifier the bundle loads: its top-level imports and re-exports, dynamic imports
 * and require calls (not JSDoc's `import('x').T` type references in comments, which load nothing).
 */
function specifiers(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^import\s+(?:[\w$*{}\s,]+\s+from\s+)?["']([^"']+)["']/gm,
    /^export\s+[\w$*{}\s,]+\s+from\s+["']([^"']+)["']/gm,
    /(?<![\w.`])import\(\s*["']([^"']+)["']\s*\)/g,
    /(?<![\w.`])require\(\s*["']([^"']+)["']\s*\)/g,
  ];
  // ajv's code generator holds `require("...")` in template text: a backtick before it loads nothing.
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const re of patterns) for (const m of bare.matchAll(re)) found.add(m[1] as string);
  return [...found];
}

/** A package ships a native addon when it has a binding.gyp or a compiled .node file. */
function nativeFiles(dir: string, depth = 0): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < 6) out.push(...nativeFiles(p, depth + 1));
    else if (e.name.endsWith('.node') || e.name === 'binding.gyp') out.push(p);
  }
  return out;
}

describe('Electron main bundle', () => {
  it('imports no node-pty and no native module, directly or through a package', () => {
    ensureBuilt();
    const code = fs.readFileSync(BUNDLE, 'utf8');
    const specs = specifiers(code);
    expect(specs).toContain('electron');
    expect(specs.filter((s) => /node-pty|\.node$/.test(s))).toEqual([]);
    expect(code).not.toMatch(/["'][^"']*\.node["']/);
    // Chunks the bundle splits off are checked the same way; bare packages by their files.
    const require = createRequire(BUNDLE);
    for (const s of specs) {
      if (s.startsWith('node:') || s === 'electron') continue;
      if (s.startsWith('.')) {
        expect(specifiers(fs.readFileSync(path.resolve(path.dirname(BUNDLE), s), 'utf8'))).not.toContain(
          'node-pty',
        );
        continue;
      }
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string);
      const pkgDir = path.dirname(require.resolve(`${name}/package.json`));
      expect(nativeFiles(pkgDir), `${name} ships a native addon`).toEqual([]);
    }
  }, 120_000);
});
