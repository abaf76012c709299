/**
 * Where the lab kernel's build artefacts live: `<configDir>/lab-kernel/`, outside git. One function
 * decides it so setup, the target and the CLI agree.
 */
import { join } from 'node:path';
import { configDir } from '../../util/config-dir';
import { resourcesDir } from '../../util/paths';

export interface LabKernelPaths {
  /** The cache folder itself. */
  dir: string;
  vmlinuz: string;
  initramfs: string;
  /** What setup built, from which packages (setup.json). */
  manifest: string;
  /** Scratch space for the .deb and the initramfs tree while setup runs. */
  work: string;
  /** The project's recipe folder (guest init). */
  recipe: string;
}

export function labKernelPaths(env: NodeJS.ProcessEnv = process.env): LabKernelPaths {
  const dir = join(configDir(env), 'lab-kernel');
  return {
    dir,
    vmlinuz: join(dir, 'vmlinuz'),
    initramfs: join(dir, 'initramfs.cpio.gz'),
    manifest: join(dir, 'setup.json'),
    work: join(dir, 'work'),
    recipe: join(resourcesDir(), 'lab-kernel') + '/',
  };
}
