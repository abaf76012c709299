/**
 * Where Probe Lab keeps per-user state (signing key, allowed_signers, settings). One function
 * decides it so the CLI, the app and the tests agree; PROBE_LAB_HOME lets a test or a portable
 * install point it elsewhere.
 */
import { mkdirSync, chmodSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROBE_LAB_HOME) return env.PROBE_LAB_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'probe-lab');
  return join(homedir(), '.config', 'probe-lab');
}

/** Creates the folder (and parents) if needed; the folder itself is private to the user (0700). */
export function ensureConfigDir(dir: string = configDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that already existed.
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return dir;
}
