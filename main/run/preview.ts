/**
 * Exactly what a run will do, in one structure and in plain lines: the CLI prints the lines, the
 * native dialog lists them, the browser's typed challenge shows them. Built from the prepared
 * targets, so the commands shown are the resolved ones that will actually be spawned.
 */
import path from 'node:path';
import type { RunPreview } from '../model/api';
import { planHash } from '../safety/confirmation';
import type { Plan } from '../model/plan';
import { createTargets } from './targets';
import { PROBE_KINDS } from '../kinds/index';
import { parseKinds, type ProbeKind } from '../kinds/kind';
import { detectContainment } from '../safety/containment';

/**
 * Throws PLAN_INVALID (with every issue and its path) when a kind's section is bad, and a coded
 * refusal when a command is not allowlisted: `plan check` and the run's confirmation both stop here.
 */
export function buildPreview(
  plan: Plan,
  opts: { planDir: string; resourcesDir: string },
  kinds: readonly ProbeKind[] = PROBE_KINDS,
): RunPreview {
  const sections = parseKinds(plan, kinds);
  const prepared = createTargets(plan, opts);
  const targets = plan.targets.map((t) => {
    const first = prepared.find((p) => p.spec === t);
    return t.kind === 'agent'
      ? {
          id: t.id,
          kind: t.kind,
          command: t.command,
          args: t.args,
          count: t.count,
          resolved: [first?.describe.command, ...(first?.describe.args ?? [])].join(' '),
        }
      : {
          id: t.id,
          kind: t.kind,
          command: 'qemu-system-x86_64',
          args: [],
          count: 1,
          resolved: `lab kernel (${typeof t.image === 'string' ? t.image : t.image.kernel}), ${t.memoryMb} MB, ${t.cpus} CPU`,
        };
  });
  const g = plan.thresholds.guard;
  const p = plan.pulses;
  const gov = plan.governance.folder ? path.resolve(opts.planDir, plan.governance.folder) : null;
  const sentinels = plan.governance.sentinels.map((s) => path.resolve(opts.planDir, s));
  const containment = detectContainment();
  const lines = [
    `Plan ${plan.id}: ${plan.title} (${plan.kind})`,
    ...targets.map((t) => `Runs ${t.count} x ${t.id}: ${t.resolved}`),
    `Stops everything after ${plan.run.maxDurationSec} s at the latest; nothing is retried, restarted or scheduled.`,
    `Pulses: one before; bursts of ${p.burst.count} every ${p.cadenceSec} s (${p.burst.spacingSec} s apart); ${p.after} after.`,
    `Snapshots every ${plan.snapshots.cadenceSec} s; resources sampled every ${plan.sampling.intervalMs} ms.`,
    `Guard rails halt the probe at CPU > ${g.cpuPct}%, RAM > ${g.ramPct}%, GPU > ${g.gpuPct}% sustained ${g.windowSec} s.`,
    `Integrity: ${gov ? `governance folder ${gov}` : 'no governance folder'}; ${sentinels.length} sentinel file(s).`,
    `Allowed executables: ${plan.allowlist.join(', ')}.`,
    `Containment: ${containment.label} (${containment.detail}).`,
    ...sections.flatMap((s) => s.kind.previewLines(s.section, opts)),
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
    lines,
  };
}
