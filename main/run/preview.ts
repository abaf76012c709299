/**
 * Exactly what a run will do, in one structure and in plain lines: the CLI prints the lines, the
 * native dialog lists them, the browser's typed challenge shows them. Built from the prepared
 * targets, so the commands shown are the resolved ones that will actually be spawned. Every value
 * a plan chose is escaped (escapeForDisplay) and every argv is shell-quoted, so control and bidi
 * characters cannot make the preview read differently from what runs.
 */
import path from 'node:path';
import type { RunPreview } from '../model/api';
import { planHash } from '../safety/confirmation';
import { checkEnv } from '../safety/env-policy';
import type { HealthCheck, Plan } from '../model/plan';
import { escapeForDisplay as esc, shellQuote, shellQuoteArgv } from '../util/escape';
import { createTargets, type PreparedTarget, type RegisteredTargets } from './targets';
import { PROBE_KINDS } from '../kinds/index';
import { parseKinds, type ProbeKind } from '../kinds/kind';
import { detectContainment } from '../safety/containment';
import { netnsUnavailable, NETNS_POOL } from '../lab/netns';
import { planWarnings } from '../plans/evidence-schedule';

/** Until containment detection lands, say plainly what is in force: the person's own account. */
export const CONTAINMENT_PLACEHOLDER =
  'none detected: targets run as your own user, in their own working folder and process group';

/** The variables every agent gets from Probe Lab, named so the person knows the plan's are extra. */
const BASE_ENV_NOTE = 'PATH, HOME, LANG, TERM, PROBE_LAB_TARGET_ID, PROBE_LAB_RUN_ID';

/**
 * Throws PLAN_INVALID (with every issue and its path) when a kind's section is bad, PLAN_ENV_REFUSED
 * for a loader variable not in allowEnv, and a coded refusal when a command is not allowlisted:
 * `plan check` and the run's confirmation both stop here.
 */
export function buildPreview(
  plan: Plan,
  opts: {
    planDir: string;
    resourcesDir: string;
    outDir?: string;
    registered?: RegisteredTargets;
    containment?: { mode: string; label: string; detail: string };
  },
  kinds: readonly ProbeKind[] = PROBE_KINDS,
): RunPreview {
  const sections = parseKinds(plan, kinds);
  const prepared = createTargets(plan, opts);
  const runsDir = opts.outDir ? path.join(opts.outDir, 'runs') : '<report folder>/runs';
  const warnings: string[] = [];
  const targets = plan.targets.map((t) => {
    const first = prepared.find((p) => p.spec === t);
    if (t.kind === 'agent') {
      const argv = [first?.describe.command ?? t.command, ...(first?.describe.args ?? t.args)];
      for (const name of checkEnv(t.env, plan.allowEnv, `target ${t.id}`))
        warnings.push(
          `WARNING: target ${esc(t.id)} sets ${name}=${shellQuote(t.env[name] ?? '')}: it changes what the executable loads (allowed by this plan's allowEnv)`,
        );
      return {
        id: t.id,
        kind: t.kind,
        command: t.command,
        args: t.args,
        count: t.count,
        argv,
        cwd: path.join(runsDir, '<run id>', 'agents', t.count > 1 ? `${t.id}-<n>` : t.id),
        env: { ...t.env },
        resolved: shellQuoteArgv(argv),
      };
    }
    const booted = first?.kernelImage ?? t.image;
    const image =
      typeof booted === 'string'
        ? booted
        : `${t.image === 'registered' ? 'registered in Settings: ' : ''}${booted.kernel}${booted.initrd ? `, initrd ${booted.initrd}` : ''}`;
    return {
      id: t.id,
      kind: t.kind,
      command: 'qemu-system-x86_64',
      args: [],
      count: 1,
      argv: [first?.describe.command ?? 'qemu-system-x86_64'],
      cwd: path.join(runsDir, '<run id>', 'kernels', t.id),
      env: {},
      resolved: `${shellQuote(first?.describe.command ?? 'qemu-system-x86_64')}: lab kernel (${esc(image)}), ${t.memoryMb} MB, ${t.cpus} CPU`,
    };
  });
  const g = plan.thresholds.guard;
  const p = plan.pulses;
  const gov = plan.governance.folder ? path.resolve(opts.planDir, plan.governance.folder) : null;
  const sentinels = plan.governance.sentinels.map((s) => path.resolve(opts.planDir, s));
  const containment = opts.containment ?? detectContainment();
  const targetLines = targets.flatMap((t, i) => {
    const env = Object.entries(t.env);
    const spec = plan.targets[i];
    return [
      `Runs ${t.count} x ${esc(t.id)}: ${t.resolved}`,
      ...(spec?.kind === 'agent' ? [`  health check: ${healthLine(spec.health, prepared, spec)}`] : []),
      ...(spec?.kind === 'agent' && spec.network === 'namespace' ? [`  network: ${namespaceLine()}`] : []),
      `  working folder: ${esc(t.cwd)}`,
      env.length
        ? `  env set by the plan: ${env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')} (besides ${BASE_ENV_NOTE})`
        : `  env: only ${BASE_ENV_NOTE}`,
    ];
  });
  const kindLines = sections.flatMap((k) => k.kind.previewLines(k.section, opts)).map(esc);
  // A kind's warnings go to the top with the targets', where a person reads first.
  warnings.push(...kindLines.filter((l) => l.startsWith('WARNING:')));
  // A valid plan that cannot produce seed 000's evidence still runs, but says so before it starts.
  warnings.push(...planWarnings(plan).map((w) => `WARNING: ${w.code} (${w.path}): ${esc(w.message)}`));
  const lines = [
    `Plan ${esc(plan.id)}: ${esc(plan.title)} (${plan.kind})`,
    ...warnings,
    ...targetLines,
    `Stops everything after ${plan.run.maxDurationSec} s at the latest; nothing is retried, restarted or scheduled.`,
    `Pulses: one before; bursts of ${p.burst.count} every ${p.cadenceSec} s (${p.burst.spacingSec} s apart); ${p.after} after.`,
    `Snapshots every ${plan.snapshots.cadenceSec} s; resources sampled every ${plan.sampling.intervalMs} ms.`,
    `Guard rails halt the probe at CPU > ${g.cpuPct}%, RAM > ${g.ramPct}%, GPU > ${g.gpuPct}% sustained ${g.windowSec} s.`,
    `Integrity: ${gov ? `governance folder ${esc(gov)}` : 'no governance folder'}; ${sentinels.length} sentinel file(s).`,
    `Allowed executables: ${plan.allowlist.map(shellQuote).join(', ')}.`,
    `Containment: ${esc(containment.label)} (${esc(containment.detail)}).`,
    ...kindLines.filter((l) => !l.startsWith('WARNING:')),
  ];
  return {
    planId: plan.id,
    planHash: planHash(plan),
    title: plan.title,
    kind: plan.kind,
    targets,
    maxDurationSec: plan.run.maxDurationSec,
    cadences: {
      pulseEverySec: p.cadenceSec,
      burstCount: p.burst.count,
      burstSpacingSec: p.burst.spacingSec,
      pulsesAfter: p.after,
      snapshotEverySec: plan.snapshots.cadenceSec,
      sampleEveryMs: plan.sampling.intervalMs,
    },
    guardRails: { ...g },
    governance: { folder: gov, sentinels },
    allowlist: plan.allowlist,
    containment: { mode: containment.mode, label: containment.label, detail: containment.detail },
    warnings,
    lines,
  };
}

/** The health check as the run will do it: an exec check shows the resolved command it runs. */
function healthLine(
  check: HealthCheck,
  prepared: readonly PreparedTarget[],
  spec: Plan['targets'][number],
): string {
  switch (check.type) {
    case 'ping':
      return '@lab ping round trip through the terminal';
    case 'output':
      return `any output within ${check.withinSec} s`;
    case 'alive':
      return 'liveness only (the process exists and is not stopped)';
    case 'http': {
      const st = check.expectStatus;
      const expect = typeof st === 'number' ? `${st}` : `${st.min}-${st.max}`;
      return `HTTP GET ${esc(check.url)} expecting status ${expect}${timeoutText(check.timeoutSec)}`;
    }
    case 'tcp':
      return `TCP connect to ${esc(check.host)}:${check.port}${timeoutText(check.timeoutSec)}`;
    case 'exec': {
      const cmd = prepared.find((p) => p.spec === spec)?.healthCommand;
      const argv = cmd ? [cmd.file, ...cmd.prefixArgs, ...check.args] : [check.command, ...check.args];
      return `runs ${shellQuoteArgv(argv)} in the target's folder and env, exit 0 = responsive${timeoutText(check.timeoutSec)}`;
    }
  }
}

const timeoutText = (sec: number | undefined) => (sec ? `, timeout ${sec} s` : ', pulse timeout');

/** What `network: "namespace"` gives on this host, said before the person confirms. */
function namespaceLine(): string {
  const why = netnsUnavailable();
  return why
    ? `a namespace of its own was asked for, but not on this host (${why}): it runs on the host's network and network-partition is not drawn for it`
    : `a network namespace of its own, made at the start and removed at the end: runs as \`ip netns exec probelab-<engine>-<n>-<slot> <command>\`, joined to the host by a veth pair on a private /30 from ${NETNS_POOL}; its health check goes over the veth, and the agent gets its address as PROBE_LAB_NET_ADDR`;
}
