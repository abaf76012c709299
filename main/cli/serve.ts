/**
 * `probe-lab serve [--port N] [--reports DIR]`: the console in a browser on this machine. Starts
 * the engine host as a child process (so the engine's work never shares an event loop with the
 * web server), serves the renderer build (out/renderer) on 127.0.0.1 and prints the address
 * with its token; runs until SIGINT/SIGTERM, then halts every running probe and stops.
 *
 * It does not build the renderer itself: a missing build is reported with the command to run
 * (`npm run build`), so serving never silently spends a minute compiling or serves a stale tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabHost, SettingsStore } from '../host/host';
import {
  createEngineHostClient,
  type EngineHostClient,
  type EngineHostClientOptions,
  type HostExit,
} from '../host/engine-host-client';
import { createFileSettingsStore } from '../host/settings-file';
import { configDir, ensureConfigDir } from '../util/config-dir';
import { LabError } from '../util/errors';
import type { Disposable } from '../util/event';
import { projectRoot, resourcesDir } from '../util/paths';
import { startServer } from '../web/server';
import { recoverInterruptedRuns } from '../safety/interrupted-runs';
import { EXIT, parseCommand, seeHelp, type CommandSpec, type Io } from './common';

export const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'the console in a browser on this machine (127.0.0.1 only, with a token)',
  usage: '[--port N] [--reports DIR]',
  positionals: { min: 0, max: 0 },
  options: {
    port: { type: 'string', value: 'N', help: 'listen on this port (default 0: a free one)' },
    reports: {
      type: 'string',
      value: 'DIR',
      help: 'report folder for this server only (overrides settings)',
    },
  },
  notes: ['Runs until Ctrl-C or SIGTERM, then halts every running probe and stops.'],
};

export interface ServeDeps {
  createHost?: (opts: { reportFolder?: string; settings: SettingsStore; resourcesDir: string }) => LabHost;
  createSettings?: (file: string) => SettingsStore;
  rendererDir?: string;
  /** Stops the server like SIGINT does (tests). */
  signal?: AbortSignal;
}

export async function serveCommand(argv: string[], io: Io, deps: ServeDeps = {}): Promise<number> {
  const args = parseCommand(SERVE, argv, io);
  if (!args) return EXIT.PASS;
  const { flags } = args;
  const port = parsePort(flags.get('port'));
  if (!deps.rendererDir) {
    // Like `npm start`: a missing or stale console is built first, never served stale.
    const built = await ensureConsoleBuilt(io);
    if (built !== 0) return built;
  }
  const rendererDir = deps.rendererDir ?? path.join(projectRoot(), 'out', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    io.err(`probe-lab serve: the console is not built (${path.join(rendererDir, 'index.html')} is missing).`);
    io.err('Run `npm run build` once, then `probe-lab serve` again.');
    return EXIT.REFUSED;
  }

  const createSettings = deps.createSettings ?? createFileSettingsStore;
  const createHost =
    deps.createHost ?? ((o: EngineHostClientOptions) => createEngineHostClient({ ...o, log: io.err }));
  const settings = createSettings(path.join(ensureConfigDir(configDir()), 'settings.json'));
  const reports = flags.get('reports');
  // Recovery at start, before the console can start anything: a crash's leftovers are killed and
  // its runs marked INTERRUPTED now, not when the next probe happens to start.
  const folder =
    typeof reports === 'string' ? path.resolve(reports) : path.resolve(settings.get().reportFolder);
  for (const r of await recoverInterruptedRuns(folder))
    io.err(
      `recovered interrupted run ${r.runId} (found by ${r.foundBy}): ${r.killedPids.length} leftover process(es) killed${r.survivors.length ? `, SURVIVORS ${r.survivors.join(',')}` : ''}; marked in ${r.markerPath}`,
    );
  // --reports overrides the report folder for this server only; otherwise the host follows settings.
  const host = createHost({
    settings,
    resourcesDir: resourcesDir(),
    ...(typeof reports === 'string' ? { reportFolder: path.resolve(reports) } : {}),
  });

  const child = isClient(host) ? host : null;
  // Serve only once the engine is up (its crash recovery done): a dead engine is said at once.
  if (child && !(await child.ready)) {
    host.dispose();
    const exit = await child.exited;
    throw new LabError('HOST_START_FAILED', `the engine host did not start (${exitText(exit)})`);
  }
  let server;
  try {
    server = await startServer({ host, rendererDir, port });
  } catch (err) {
    host.dispose();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new LabError('USAGE', `port ${port} is already in use`);
    throw err;
  }
  io.out(`Probe Lab console: ${server.url}`);
  io.out(
    'Open it in a browser on this machine; the token in the address is the key. Ctrl+C halts running probes and stops.',
  );

  const stop = stopRequests(io, deps.signal);
  let died = false;
  // A console without its engine can do nothing: an engine host that dies stops the server too.
  child?.onDidExit((exit) => {
    if (exit.expected) return;
    io.err(`probe-lab serve: the engine host exited (${exitText(exit)})`);
    died = true;
    stop.stopNow();
  });
  await stop.requested;
  io.err('stopping: halting running probes...');
  try {
    await host.haltAll();
  } finally {
    await server.close();
    host.dispose();
    // The host halts again on its own when its stdin closes; wait so no probe outlives serve.
    await child?.exited;
    stop.dispose();
  }
  io.err('stopped.');
  return died ? EXIT.FAIL : EXIT.PASS;
}

function parsePort(value: string | true | undefined): number {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535))
    throw new LabError('USAGE', `--port must be 0..65535 (0 picks a free port) ${seeHelp('serve')}`);
  return n;
}

/**
 * `requested` resolves on the first SIGINT/SIGTERM (or abort). Later signals, until disposed, only
 * say that the halt is under way: leaving mid-halt could orphan probe processes.
 */
const exitText = (e: HostExit): string => e.error ?? `code ${e.code}, signal ${e.signal}`;

function isClient(host: LabHost): host is EngineHostClient {
  return 'exited' in host && 'onDidExit' in host;
}

function stopRequests(
  io: Io,
  signal?: AbortSignal,
): Disposable & { requested: Promise<void>; stopNow(): void } {
  let stopping = false;
  let resolve = (): void => {};
  const requested = new Promise<void>((r) => (resolve = r));
  const onSignal = (): void => {
    if (stopping) return io.err('still halting: waiting for every probe process to stop...');
    stopping = true;
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  signal?.addEventListener('abort', onSignal, { once: true });
  return {
    requested,
    stopNow: onSignal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal?.removeEventListener('abort', onSignal);
    },
  };
}

interface ConsoleBuild {
  buildReason(root: string): string | null;
  buildConsole(root: string, stdio?: 'inherit' | ['ignore', number, number]): number;
}

/** Builds out/ when it is missing or older than the sources (scripts/console-build.mjs). */
async function ensureConsoleBuilt(io: Io): Promise<number> {
  const root = projectRoot();
  const mod = (await import(
    pathToFileURL(path.join(root, 'scripts', 'console-build.mjs')).href
  )) as ConsoleBuild;
  const reason = mod.buildReason(root);
  if (!reason) return EXIT.PASS;
  io.err(`probe-lab serve: building the console first (${reason})...`);
  // The build's own output goes to stderr: stdout carries only the address.
  const code = mod.buildConsole(root, ['ignore', 2, 2]);
  if (code !== 0)
    io.err(`probe-lab serve: the build failed (exit ${code}); run \`npm run build\` to see why.`);
  return code === 0 ? EXIT.PASS : EXIT.INTERNAL;
}
