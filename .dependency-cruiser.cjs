// The house's layers, enforced (STYLE.md): arrows point down only, and no import cycle.
//   cli, web, app -> host -> run, kinds -> plans, safety, evidence, scoring, reports -> lab -> model, util
// The renderer sees the engine only through the contract (preload/contract.ts) and model/.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (name, may, fromNot) => ({
  name: `layer-${name}`,
  comment: `main/${name} may import only from ${may.join(', ')}`,
  severity: 'error',
  from: { path: `^main/${name}/`, ...(fromNot ? { pathNot: fromNot } : {}) },
  to: {
    path: '^(main|preload)/',
    pathNot: [`^main/${name}/`, ...may.map((m) => (m.endsWith('.ts') ? `^${m}$` : `^${m}/`))],
  },
});
const below = {
  util: [],
  // The model is shared with the renderer and the sandboxed preload: of util, only the error codes.
  model: ['main/util/errors.ts'],
  lab: ['main/model', 'main/util'],
};
const middle = ['plans', 'safety', 'evidence', 'scoring', 'reports'];
const middleMay = [...middle.map((m) => `main/${m}`), 'main/lab', 'main/model', 'main/util'];
const runMay = ['main/run', 'main/kinds', ...middleMay];
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    // Model tests run in Node and may use any util (temp folders); model sources may not.
    ...Object.entries(below).map(([n, may]) => layer(n, may, n === 'model' ? '\\.test\\.ts$' : undefined)),
    ...middle.map((n) => layer(n, middleMay)),
    layer('run', runMay),
    layer('kinds', runMay),
    // The host implements the contract's channel map.
    layer('host', ['main/host', 'preload/contract.ts', ...runMay]),
    layer('cli', ['main/cli', 'main/host', 'main/web', 'preload/contract.ts', ...runMay]),
    layer('web', ['main/web', 'main/host', 'preload/contract.ts', ...middleMay]),
    {
      name: 'engine-no-electron',
      severity: 'error',
      comment: 'The engine runs in plain Node: only main/app may import Electron.',
      from: { path: '^main/', pathNot: '^main/app/' },
      to: { path: '(^|/)node_modules/electron(-store)?/' },
    },
    {
      name: 'app-no-engine',
      severity: 'error',
      comment:
        'main/app is the thin Electron shell: it starts the engine host as a child process and relays bytes. It never loads the engine (or node-pty) into Electron.',
      from: { path: '^main/app/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^main/(run|kinds|plans|safety|evidence|scoring|reports|lab)/|(^|/)node_modules/node-pty/',
      },
    },
    {
      name: 'electron-main-no-engine',
      severity: 'error',
      comment:
        'Electron loads main/app/index.ts as its main process: nothing it reaches, however indirectly, may be the engine or a native module (node-pty is built for Node, not Electron). The engine runs in bin/engine-host.mjs, a child process.',
      from: { path: '^main/app/index\\.ts$' },
      to: {
        path: [
          '(^|/)node_modules/node-pty/',
          '^main/(run|kinds|plans|safety|evidence|scoring|reports|lab)/',
          '^main/host/(lab-host|engine-host-main)\\.ts$',
        ],
        reachable: true,
      },
    },
    {
      name: 'browser-side-no-node',
      severity: 'error',
      comment:
        'The renderer is a web page, and main/model, util/errors.ts and the contract run in it and in the sandboxed preload: none of them may import a Node built-in. Each file is checked, and model may import only util/errors.ts, so nothing reaches Node through them either.',
      from: {
        path: '^(renderer/|main/model/|main/util/(errors|escape)\\.ts$|preload/contract\\.ts$)',
        pathNot: '\\.test\\.tsx?$',
      },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-contract-only',
      severity: 'error',
      comment:
        'The renderer talks to the engine only through preload/contract.ts and main/model; main/util/escape.ts (Node-free) so every view escapes plan text the same way. Its tests may also load the real preload, to test the Electron event path whole.',
      from: { path: '^renderer/', pathNot: '\\.test\\.tsx?$' },
      to: {
        path: '^(main|preload)/',
        pathNot: ['^preload/contract\\.ts$', '^main/model/', '^main/util/escape\\.ts$'],
      },
    },
    {
      name: 'renderer-tests-preload-only',
      severity: 'error',
      comment: 'Renderer tests may add the preload, nothing else of the engine.',
      from: { path: '^renderer/.*\\.test\\.tsx?$' },
      to: {
        path: '^(main|preload)/',
        pathNot: [
          '^preload/contract\\.ts$',
          '^preload/index\\.ts$',
          '^main/model/',
          '^main/util/escape\\.ts$',
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(out|test-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
