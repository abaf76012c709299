// Layers are enforced by folder, not by memory (VS Code's rule): the engine cannot import Electron,
// the renderer cannot import Node or Electron, and raw IPC objects stay inside main/app and preload.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'crypto',
  'net',
  'http',
  'https',
  'stream',
  'events',
  'url',
  'util',
  'worker_threads',
  'zlib',
  'tls',
  'dgram',
  'dns',
  'readline',
  'process',
];
const nodeBanned = [
  ...nodeBuiltins,
  ...nodeBuiltins.map((m) => `node:${m}`),
  'node-pty',
  'ws',
  'electron',
  'electron-store',
];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'resources/**/*.mjs',
      'reports/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The engine imports nothing from Electron: put this in main/app/.' },
            {
              name: 'electron-store',
              message: 'Settings go through main/app/settings; the engine never sees Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    // GitHub Desktop's rule: one file registers IPC; everything else goes through it.
    files: ['main/app/**/*.ts'],
    ignores: ['main/app/ipc.ts', 'main/app/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'IPC is registered only in main/app/ipc.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBanned.map((name) => ({
            name,
            message: 'The renderer runs with no Node and no Electron: use window.lab.',
          })),
          patterns: [
            {
              // Except the Node-free escaping, so every view shows plan text the same way.
              group: [
                '../main/*',
                '../../main/*',
                '../../../main/*',
                '!../../../main/util',
                '!../../main/util',
                '../../../main/util/*',
                '../../main/util/*',
                '!../../../main/util/escape',
                '!../../main/util/escape',
              ],
              message: 'The renderer talks to the engine only through the contract.',
            },
          ],
        },
      ],
    },
  },
);
