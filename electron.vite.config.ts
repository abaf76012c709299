/**
 * One build for the three parts: out/main (Electron main, ESM, dependencies stay in node_modules),
 * out/preload (one self-contained CommonJS file, zod inlined: a sandboxed preload cannot load
 * modules) and out/renderer (the React console, also served by `probe-lab serve`).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      lib: { entry: resolve(root, 'main/app/index.ts') },
      // Every package.json dependency (node-pty is native) is loaded from node_modules at run time.
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      lib: { entry: resolve(root, 'preload/index.ts'), formats: ['cjs'] },
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        output: { entryFileNames: 'index.cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
