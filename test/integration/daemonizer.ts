/**
 * The target that misbehaves on purpose (issue 12), shared by the containment tests: a /bin/sh
 * script that daemonizes three ways. Every sleep it starts carries an argv marker unique to the
 * test, so leftovers are found without trusting any of the code under test.
 */
import fs from 'node:fs';

/** Live (non-zombie) `sleep` processes whose argument starts with `marker` (not the shell that names it). */
export function withMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('sleep') && argv[1]?.startsWith(marker)) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

export const kill9 = (pids: number[]) =>
  pids.forEach((p) => {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  });

/**
 * The misbehaving target's script. Three daemons, then a foreground sleep; every sleep's argument
 * starts with the marker. Returns the script and the argv markers of each daemon.
 */
export function daemonizingScript(nonce: string) {
  const m = {
    setsid: `3001.${nonce}1`,
    doubleFork: `3001.${nonce}2`,
    envClear: `3001.${nonce}3`,
    main: `3001.${nonce}4`,
  };
  const script = [
    `(setsid sleep ${m.setsid} &)`,
    // Ignores the terminal's hangup, as a real daemon does: it outlives the pty.
    `sh -c 'trap "" HUP; sleep ${m.doubleFork} & exit 0' &`,
    // In a subshell that exits at once: the daemon is reparented to init, out of the tree.
    `(env -i setsid sleep ${m.envClear} &)`,
    'sleep 0.3',
    'echo daemons-started',
    `exec sleep ${m.main}`,
  ].join('\n');
  return { script, m, all: `3001.${nonce}` };
}
