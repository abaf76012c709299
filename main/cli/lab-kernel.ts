/**
 * `probe-lab lab-kernel <setup|status|boot-check>`: builds the lab kernel, reports whether it is
 * in place, and boots it once to show how long the guest takes to become ready.
 */
import os from 'node:os';
import fs from 'node:fs';
import { join } from 'node:path';
import { KernelTargetSchema } from '../model/plan';
import { LabError } from '../util/errors';
import { KernelTarget } from '../lab/kernel/kernel-target';
import { labKernelPaths } from '../lab/kernel/paths';
import { labKernelStatus, setupLabKernel } from '../lab/kernel/setup';
import { EXIT, parseCommand, unknownCommand, type CommandSpec, type Io } from './common';

const SETUP: CommandSpec = {
  name: 'lab-kernel setup',
  summary: `build the lab kernel from Debian packages into ${labKernelPaths().dir}`,
  usage: '[--force]',
  positionals: { min: 0, max: 0 },
  options: { force: { type: 'boolean', help: 'rebuild even when the lab kernel is already set up' } },
};

const STATUS: CommandSpec = {
  name: 'lab-kernel status',
  summary: 'show whether the lab kernel is built and what from (exit 1 when not ready)',
  usage: '[--json]',
  positionals: { min: 0, max: 0 },
  options: { json: { type: 'boolean', help: 'one JSON document with the status and the paths' } },
};

const BOOT_CHECK: CommandSpec = {
  name: 'lab-kernel boot-check',
  summary: 'boot the lab kernel once under QEMU, run one pulse, print the timings, shut it down',
  usage: '',
  positionals: { min: 0, max: 0 },
  options: {},
};

const SUBCOMMANDS = [SETUP, STATUS, BOOT_CHECK];

const LAB_KERNEL: CommandSpec = {
  name: 'lab-kernel',
  summary: 'build and check the QEMU lab kernel',
  usage: '<setup|status|boot-check> [options]',
  positionals: { min: 0, max: 0 },
  options: {},
  notes: [
    `commands:\n${SUBCOMMANDS.map((c) => `  ${c.name.slice('lab-kernel '.length).padEnd(11)} ${c.summary}`).join('\n')}`,
  ],
};

export async function labKernelCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'setup':
      return await setup(rest, io);
    case 'status':
      return status(rest, io);
    case 'boot-check':
      return parseCommand(BOOT_CHECK, rest, io) ? await bootCheck(io) : EXIT.PASS;
    default:
      if (sub !== undefined && !sub.startsWith('-'))
        throw unknownCommand(
          'lab-kernel command',
          sub,
          ['setup', 'status', 'boot-check'],
          'probe-lab lab-kernel --help',
        );
      if (parseCommand(LAB_KERNEL, argv, io) === null) return EXIT.PASS;
      throw new LabError(
        'USAGE',
        'usage: probe-lab lab-kernel <setup|status|boot-check> (see: probe-lab lab-kernel --help)',
      );
  }
}

async function setup(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(SETUP, argv, io);
  if (!args) return EXIT.PASS;
  const force = args.flags.get('force') === true;
  const r = await setupLabKernel({ force, log: (l) => io.out(`  ${l}\n`) });
  const installed = r.installedPackages.length ? `installed ${r.installedPackages.join(', ')}; ` : '';
  const fetched = r.downloaded.length ? `downloaded ${r.downloaded.join(', ')}; ` : '';
  io.out(
    r.changed
      ? `lab kernel built: ${installed}${fetched}${r.manifest.kernelRelease} in ${(r.ms / 1000).toFixed(1)} s\n`
      : `lab kernel already set up (${r.manifest.kernelRelease}); nothing to do (${(r.ms / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}

function status(argv: string[], io: Io): number {
  const args = parseCommand(STATUS, argv, io);
  if (!args) return EXIT.PASS;
  const paths = labKernelPaths();
  const st = labKernelStatus(paths);
  if (args.flags.get('json') === true) {
    io.out(JSON.stringify({ ...st, paths }, null, 2) + '\n');
    return st.ready ? 0 : 1;
  }
  io.out(`lab kernel: ${st.ready ? 'ready' : 'not ready'} (${paths.dir})\n`);
  if (st.manifest)
    io.out(
      `  ${st.manifest.kernelPackage} (${st.manifest.kernelRelease}), modules: ${st.manifest.modules.length}, built ${st.manifest.builtAt}\n`,
    );
  for (const p of st.problems) io.out(`  problem: ${p}\n`);
  return st.ready ? 0 : 1;
}

async function bootCheck(io: Io): Promise<number> {
  const workdir = fs.mkdtempSync(join(os.tmpdir(), 'probe-lab-boot-check-'));
  const target = new KernelTarget(KernelTargetSchema.parse({ id: 'boot-check', kind: 'lab-kernel' }), {
    workdir,
  });
  const t0 = performance.now();
  try {
    await target.start();
    io.out(
      `ready marker after ${((target.bootMs ?? 0) / 1000).toFixed(2)} s (${target.parser.ready?.line ?? ''})\n`,
    );
    io.out(`devices: disk=${target.hasDisk ? 'vda' : 'none'} nic=${target.hasNic ? 'eth0' : 'none'}\n`);
    const h = await target.health(5000);
    io.out(`pulse: alive=${h.alive} responsive=${h.responsive} — ${h.detail}\n`);
    return h.alive && h.responsive ? 0 : 1;
  } finally {
    const started = target.rootPids().length > 0;
    await target.stop('completed');
    const exit = await target.exited;
    const total = ((performance.now() - t0) / 1000).toFixed(2);
    if (started) io.out(`shut down (QMP quit): ${exit.outcome}, total ${total} s\n`);
    target.dispose();
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}
