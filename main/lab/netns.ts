/**
 * A network namespace of a target's own, joined to the host by one veth pair on a private /30:
 * the host end holds `.1`, the namespace end `.2`. The target runs inside it through
 * `ip netns exec` (the executable the person confirmed is the one `ip` execs), so it serves on
 * its own loopback and on the veth address; nothing outside this machine can reach it (the /30
 * is not routed anywhere). A partition fault is the host end's link down, then up.
 *
 * Traffic never leaves the machine, even partitioned: each /30 has an `unreachable` route of the
 * lowest priority, so while the veth is down a check to the namespace fails at once with "no
 * route to host" instead of following the default route off the machine (measured here: without
 * it, a proxy beyond the default gateway answered the health check with HTTP 403).
 *
 * Names carry the owner process and the /30 (`probelab-<pid>.<startTicks>-<n>-<slot>`) so any
 * later start can tell an orphan (owner gone) from a live run's namespace, as the run cgroups do,
 * and remove its guard route. Deleting the namespace destroys the veth pair with it.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readStat } from './process-tree';

export const NETNS_PREFIX = 'probelab-';
/** Private block the /30s come from: 10.231.0.0/16, 16384 pairs (not a range hosts usually route). */
const POOL_BASE = [10, 231] as const;
const POOL_SIZE = 16384;
export const NETNS_POOL = `${POOL_BASE.join('.')}.0.0/16`;
/** Each `ip` call is a local netlink request; seconds would mean something is badly wrong. */
const IP_TIMEOUT_MS = 5000;
/** The guard route's metric: the lowest priority, so the veth's own route wins while it is up. */
const GUARD_METRIC = '65535';
/** Attempts to find a /30 no interface on this host uses yet. */
const ADDRESS_TRIES = 32;

const IP_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];

export function ipPath(): string | null {
  return IP_PATHS.find((p) => fs.existsSync(p)) ?? null;
}

function ip(args: string[]): { ok: boolean; out: string; err: string } {
  const file = ipPath();
  if (!file) return { ok: false, out: '', err: 'no ip command' };
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr || r.error?.message || '').trim() };
}

/** Why this host cannot give a target a namespace of its own, or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are a Linux feature';
  if (process.getuid?.() !== 0) return 'not root: creating a network namespace and a veth pair needs root';
  if (!ipPath()) return 'no ip command (iproute2) on this host';
  return null;
}

export function ownerTag(): string {
  return `${process.pid}.${readStat(process.pid)?.starttimeTicks ?? 0}`;
}

function usedAddresses(): string {
  return ip(['-o', '-4', 'addr', 'show']).out;
}

export class NetNamespace {
  private removed = false;

  private constructor(
    readonly name: string,
    readonly hostIf: string,
    readonly nsIf: string,
    /** The host end's address and the namespace end's (where the target's health check goes). */
    readonly hostAddr: string,
    readonly nsAddr: string,
  ) {}

  /** Makes the namespace and its veth pair; throws with `ip`'s own words when the host refuses. */
  static create(base: string): NetNamespace {
    const why = netnsUnavailable();
    if (why) throw new Error(why);
    const used = usedAddresses();
    // The namespace comes first, its name carrying the owner and the /30; then the guard route,
    // which is the claim on the /30 (adding it fails where another run already holds it). In that
    // order a guard route never exists without its namespace, so an engine killed between the two
    // steps leaves a namespace the orphan sweep removes, never a route nobody owns.
    let idx = -1;
    for (let k = 0; k < ADDRESS_TRIES && idx < 0; k++) {
      const i = Math.floor(Math.random() * POOL_SIZE);
      if (used.includes(` ${quad(i, 1)}/`) || used.includes(` ${quad(i, 2)}/`)) continue;
      if (!ip(['netns', 'add', `${base}-${i}`]).ok) continue;
      if (ip(['route', 'add', ...guardRoute(i)]).ok) idx = i;
      else ip(['netns', 'del', `${base}-${i}`]);
    }
    if (idx < 0) throw new Error(`no free /30 in ${NETNS_POOL} after ${ADDRESS_TRIES} tries`);
    const tag = Math.random().toString(16).slice(2, 10).padEnd(8, '0');
    const name = `${base}-${idx}`;
    const ns = new NetNamespace(name, `pl${tag}h`, `pl${tag}n`, quad(idx, 1), quad(idx, 2));
    const steps: string[][] = [
      ['link', 'add', ns.hostIf, 'type', 'veth', 'peer', 'name', ns.nsIf, 'netns', name],
      ['addr', 'add', `${ns.hostAddr}/30`, 'dev', ns.hostIf],
      ['link', 'set', ns.hostIf, 'up'],
      ['-n', name, 'link', 'set', 'lo', 'up'],
      ['-n', name, 'addr', 'add', `${ns.nsAddr}/30`, 'dev', ns.nsIf],
      ['-n', name, 'link', 'set', ns.nsIf, 'up'],
    ];
    for (const s of steps) {
      const r = ip(s);
      if (!r.ok) {
        ns.remove();
        throw new Error(`ip ${s.join(' ')}: ${r.err || 'failed'}`);
      }
    }
    return ns;
  }

  /** The argv that runs `file args` inside the namespace. */
  wrap(file: string, args: string[]): { file: string; args: string[] } {
    return { file: ipPath() ?? 'ip', args: ['netns', 'exec', this.name, file, ...args] };
  }

  /** The partition: the host end of the veth down (nothing crosses), then up again. */
  setLink(up: boolean): boolean {
    return ip(['link', 'set', this.hostIf, up ? 'up' : 'down']).ok;
  }

  /** Whether the host end is up as the kernel sees it. */
  linkUp(): boolean {
    return /state UP|LOWER_UP/.test(ip(['-o', 'link', 'show', this.hostIf]).out);
  }

  /** Kills whatever still runs inside, then deletes the namespace (and so the veth pair). */
  remove(): { survivors: number[] } {
    if (this.removed) return { survivors: [] };
    const survivors = removeNamespace(this.name, this.hostIf);
    this.removed = survivors.length === 0;
    return { survivors };
  }
}

function guardRoute(idx: number): string[] {
  return ['unreachable', `${quad(idx, 0)}/30`, 'metric', GUARD_METRIC];
}

function quad(i: number, host: 0 | 1 | 2): string {
  return `${POOL_BASE[0]}.${POOL_BASE[1]}.${i >> 6}.${(i & 63) * 4 + host}`;
}

export function namespacePids(name: string): number[] {
  return ip(['netns', 'pids', name])
    .out.split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

function removeNamespace(name: string, hostIf?: string): number[] {
  const slot = /-(\d+)$/.exec(name);
  if (slot) ip(['route', 'del', ...guardRoute(Number(slot[1]))]);
  for (const pid of namespacePids(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const left = namespacePids(name);
  ip(['netns', 'del', name]);
  // A veth whose namespace end lived on (a process held the namespace) is deleted by hand.
  if (hostIf && fs.existsSync(`/sys/class/net/${hostIf}`)) ip(['link', 'del', hostIf]);
  return left;
}

/** Every Probe Lab namespace on this host (by name). */
export function probeLabNamespaces(): string[] {
  if (netnsUnavailable()) return [];
  return ip(['netns', 'list'])
    .out.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NETNS_PREFIX));
}

/**
 * Namespaces whose owner process is gone (crash, kill -9): their processes killed, the namespaces
 * and veth pairs removed. A live owner's namespaces are never touched.
 */
export function sweepOrphanNamespaces(): { name: string; killedPids: number[]; survivors: number[] }[] {
  const out: { name: string; killedPids: number[]; survivors: number[] }[] = [];
  for (const name of probeLabNamespaces()) {
    const m = /^probelab-(\d+)\.(\d+)-\d+-\d+$/.exec(name);
    if (!m) continue;
    const owner = readStat(Number(m[1]));
    if (owner && owner.state !== 'Z' && String(owner.starttimeTicks) === m[2]) continue;
    const killedPids = namespacePids(name);
    out.push({ name, killedPids, survivors: removeNamespace(name) });
  }
  return out;
}

/**
 * Guard routes in the pool whose /30 no Probe Lab namespace holds: left by an engine killed
 * between claiming a /30 and making its namespace (before claims were made namespace first), or by
 * a removal cut short. Deleted; a live run's route always has its namespace, so it is never touched.
 */
export function sweepOrphanGuardRoutes(): string[] {
  if (netnsUnavailable()) return [];
  const held = new Set(
    probeLabNamespaces()
      .map((n) => /-(\d+)$/.exec(n)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number),
  );
  const removed: string[] = [];
  for (const line of ip(['route', 'show', 'type', 'unreachable']).out.split('\n')) {
    const m = /^(?:unreachable )?(\d+\.\d+\.\d+\.\d+)\/30 .*metric (\d+)/.exec(line.trim());
    if (m?.[2] !== GUARD_METRIC) continue;
    const idx = slotOf(m[1]!);
    if (idx === null || held.has(idx)) continue;
    if (ip(['route', 'del', ...guardRoute(idx)]).ok) removed.push(`${m[1]}/30`);
  }
  return removed;
}

/** The pool slot of a /30's network address, or null when it is not one of ours. */
function slotOf(net: string): number | null {
  const q = net.split('.').map(Number);
  if (q[0] !== POOL_BASE[0] || q[1] !== POOL_BASE[1] || q[3]! % 4 !== 0) return null;
  return q[2]! * 64 + q[3]! / 4;
}

/** Process-wide, so two runs of one engine never pick the same name. */
let made = 0;

/** The namespaces of one run's targets: made on demand, all removed at the run's end. */
export class RunNetworks {
  private readonly byTarget = new Map<string, NetNamespace>();

  /** The target's namespace (made on first use), or why this host cannot give it one. */
  forTarget(targetId: string): NetNamespace | { reason: string } {
    const have = this.byTarget.get(targetId);
    if (have) return have;
    try {
      const ns = NetNamespace.create(`${NETNS_PREFIX}${ownerTag()}-${++made}`);
      this.byTarget.set(targetId, ns);
      return ns;
    } catch (err) {
      return { reason: (err as Error).message };
    }
  }

  get count(): number {
    return this.byTarget.size;
  }

  /** Removes every namespace of the run; returns processes that were still inside and lived on. */
  removeAll(): number[] {
    const left = [...this.byTarget.values()].flatMap((ns) => ns.remove().survivors);
    this.byTarget.clear();
    return left;
  }
}
