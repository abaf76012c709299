/**
 * Only registered executables run. A command is resolved to a real file on disk (symlinks
 * followed) before spawn and compared against the plan's allowlist resolved the same way;
 * anything else is refused with a coded error before a process exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedCommand } from '../lab/target';
import { LabError } from '../util/errors';

export const BUNDLED_AGENT = 'workload-agent';

export type { ResolvedCommand } from '../lab/target';

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Agents registered in Settings: a plan may name one as a command or an allowlist entry. */
export interface RegisteredAgent {
  name: string;
  command: string;
}

export interface ResolveOptions {
  resourcesDir: string;
  baseDir: string;
  pathEnv?: string;
  registered?: readonly RegisteredAgent[];
}

export function resolveCommand(command: string, opts: ResolveOptions): ResolvedCommand {
  // A registered name stands for its command (the bundled agent's name is never shadowed); the
  // command is then resolved like any other, so the allowlist compares real files either way.
  const reg = command === BUNDLED_AGENT ? undefined : opts.registered?.find((a) => a.name === command);
  if (reg) {
    if (reg.command === command)
      throw new LabError('EXEC_NOT_FOUND', `registered agent "${command}" names itself`);
    return resolveCommand(reg.command, { ...opts, registered: [] });
  }
  if (command === BUNDLED_AGENT) {
    const script = path.join(opts.resourcesDir, 'agents', 'workload-agent.mjs');
    if (!fs.existsSync(script)) throw new LabError('EXEC_NOT_FOUND', `bundled agent missing at ${script}`);
    return { file: process.execPath, prefixArgs: [script], identity: BUNDLED_AGENT };
  }
  let candidate: string | null = null;
  if (command.includes('/')) {
    const p = path.resolve(opts.baseDir, command);
    if (isExecutableFile(p)) candidate = p;
  } else {
    for (const dir of (opts.pathEnv ?? process.env.PATH ?? '').split(':')) {
      if (!dir) continue;
      const p = path.join(dir, command);
      if (isExecutableFile(p)) {
        candidate = p;
        break;
      }
    }
  }
  if (!candidate)
    throw new LabError(
      'EXEC_NOT_FOUND',
      `"${command}" is not an executable file (looked in ${command.includes('/') ? 'the given path' : 'PATH'})`,
    );
  const real = fs.realpathSync(candidate);
  return { file: real, prefixArgs: [], identity: real };
}

/**
 * Resolves the command and checks it against the allowlist. Allowlist entries that do not resolve
 * are ignored here (plan check reports them), so a missing entry can never widen what runs.
 */
export function resolveAllowed(command: string, allowlist: string[], opts: ResolveOptions): ResolvedCommand {
  const resolved = resolveCommand(command, opts);
  const allowed = new Set<string>();
  for (const entry of allowlist) {
    try {
      allowed.add(resolveCommand(entry, opts).identity);
    } catch {
      /* unresolvable entry: allows nothing */
    }
  }
  if (!allowed.has(resolved.identity)) {
    throw new LabError(
      'EXEC_NOT_ALLOWED',
      `"${command}" (${resolved.identity}) is not on the plan's allowlist [${allowlist.join(', ')}]; nothing was started`,
    );
  }
  return resolved;
}
