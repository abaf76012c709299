#!/usr/bin/env node
// `npm start`: build if out/ is missing or older than the sources, then open the Electron app when
// its binary and a display exist; otherwise say why in one line and run browser mode
// (`probe-lab serve`, which prints the address to open). Electron is never require()d here: its
// package throws when the binary is missing, so only the file named in path.txt is checked.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole, buildReason } from './console-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The Electron executable, or why it cannot be used. */
function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  let rel;
  try {
    rel = readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    return { why: 'Electron binary not installed (offline machine)' };
  }
  const bin = path.join(dir, 'dist', rel);
  if (!rel || !existsSync(bin)) return { why: 'Electron binary not installed (offline machine)' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { why: 'No display (DISPLAY/WAYLAND_DISPLAY unset)' };
  }
  return { bin };
}

/** Runs a child with the terminal attached; SIGTERM to this script is passed on. */
function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    const forward = (sig) => child.kill(sig);
    process.on('SIGTERM', forward);
    // Ctrl+C reaches the child through the terminal's process group; this script just waits.
    process.on('SIGINT', () => {});
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('error', (err) => {
      console.error(`start: could not run ${cmd}: ${err.message}`);
      resolve(1);
    });
  });
}

const reason = buildReason(root);
if (reason) {
  console.log(`start: building (${reason})...`);
  const code = buildConsole(root);
  if (code !== 0) process.exit(code);
}

const electron = electronBinary();
const passThrough = process.argv.slice(2);
if (electron.bin) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  // The app runs the engine in a child process under plain Node (node-pty is built for Node's ABI,
  // not Electron's): the Node running this script is the one npm installed node-pty for.
  env.PROBE_LAB_NODE ??= process.execPath;
  process.exit(await run(electron.bin, ['.', ...passThrough], env));
}
// The address carries the access token, so it is printed, never handed to a browser on a command
// line where every local user could read it in the process list.
console.log(`${electron.why}: opening browser mode instead (probe-lab serve)`);
process.exit(await run(process.execPath, [path.join(root, 'bin', 'probe-lab.mjs'), 'serve', ...passThrough]));
