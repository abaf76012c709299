/**
 * `probe-lab lab-kernel <setup|status|boot-check>`: builds the lab kernel, reports whether it is
 * in place, and boots it once to show how long the guest takes to become ready.
 */
import os from 'node:os';
import fs from 'node:fs';
import { join } from 'node:path';
import { KernelTargetSchema } from '../model/plan';
import { toCodedError } from '../util/errors';
import { KernelTarget } from '../lab/kernel/kernel-target';
import { labKernelPaths } from '../lab/kernel/paths';
import { labKernelStatus, setupLabKernel } from '../lab/kernel/setup';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const USAGE = `usage: probe-lab lab-kernel <command>

  setup [--force]   build the lab kernel from Debian packages into ${labKernelPaths().dir}
  status [--json]   show whether the lab kernel is built and what from
  boot-check        boot it once under QEMU, run one pulse, print the timings, shut it down
`;

export async function labKernelCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'setup':
        return await setup(rest, io);
      case 'status':
        return status(rest, io);
      case 'boot-check':
        return await bootCheck(io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return sub ? 0 : 2;
      default:
        io.err(`unknown lab-kernel command "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const e = toCodedError(err);
    io.err(`error ${e.code}: ${e.message}\n`);
    return 1;
  }
}

async function setup(args: string[], io: CliIo): Promise<number> {
  const force = args.includes('--force');
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

function status(args: string[], io: CliIo): number {
  const paths = labKernelPaths();
  const st = labKernelStatus(paths);
  if (args.includes('--json')) {
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

async function bootCheck(io: CliIo): Promise<number> {
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
