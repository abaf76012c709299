/**
 * A PID namespace per target, for hosts where no cgroup can be made (a desktop without a delegated
 * cgroup subtree, a container without cgroup write access). The target runs as the init of a
 * namespace of its own under `unshare --pid --fork --kill-child`: whatever it starts stays inside,
 * however it detaches (setsid, double fork, `env -i`), and orphans are reparented to the target
 * itself, so the tree walk still finds them. When the target dies the kernel kills every process
 * in the namespace; `--kill-child` makes the target die with unshare, so SIGKILL to unshare (Halt,
 * after the grace period) or the SIGHUP a closed pty sends (the engine killed) takes all of it down.
 *
 * Without root, `--user --map-current-user` adds a user namespace that maps the user to itself,
 * so the target sees its own uid and files keep their owners. Measured here (util-linux 2.38.1):
 * SIGTERM and SIGINT to unshare are blocked (it waits for its child), SIGHUP and SIGKILL end the
 * whole namespace. A target that is a namespace init ignores signals it has no handler for, so a
 * graceful SIGTERM reaches only targets that handle it; the rest are killed after the grace period.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const UNSHARE_PATHS = ['/usr/bin/unshare', '/bin/unshare'];
const FLAGS = ['--pid', '--fork', '--kill-child'];
const USER_FLAGS = ['--user', '--map-current-user'];
/** A trial `unshare ... true` is a fork and an exec; seconds would mean something is wrong. */
const TRIAL_TIMEOUT_MS = 3000;

export interface PidNamespaceSupport {
  unshare: string;
  flags: string[];
  /** How it is made here, for the preview and the report. */
  how: string;
}

let cached: PidNamespaceSupport | { reason: string } | undefined;

/** Whether targets can get a PID namespace here (tried once per process), or why not. */
export function pidNamespaceSupport(): PidNamespaceSupport | { reason: string } {
  if (cached) return cached;
  cached = probe();
  return cached;
}

function probe(): PidNamespaceSupport | { reason: string } {
  if (process.platform !== 'linux') return { reason: 'PID namespaces are a Linux feature' };
  const unshare = UNSHARE_PATHS.find((p) => fs.existsSync(p));
  if (!unshare) return { reason: 'no unshare command (util-linux) on this host' };
  const root = process.getuid?.() === 0;
  const tries = root ? [FLAGS, [...USER_FLAGS, ...FLAGS]] : [[...USER_FLAGS, ...FLAGS]];
  let why = '';
  for (const flags of tries) {
    const r = spawnSync(unshare, [...flags, '--', 'true'], { encoding: 'utf8', timeout: TRIAL_TIMEOUT_MS });
    if (r.status === 0) return { unshare, flags, how: `unshare ${flags.join(' ')}` };
    why = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
  }
  return { reason: `unshare refused a PID namespace here: ${why}` };
}

/** The argv that runs `file args` as the init of a new PID namespace. */
export function wrapInPidNamespace(
  s: PidNamespaceSupport,
  file: string,
  args: string[],
): { file: string; args: string[] } {
  return { file: s.unshare, args: [...s.flags, '--', file, ...args] };
}
