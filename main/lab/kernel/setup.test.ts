import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findStaticBusybox, isStaticElf, packInitramfs, setupLabKernel } from './setup';
import { labKernelPaths } from './paths';

describe('lab kernel setup pieces', () => {
  it('tells a static ELF (busybox-static) from a dynamic one', () => {
    const busybox = findStaticBusybox();
    expect(busybox).not.toBeNull();
    expect(isStaticElf(busybox as string)).toBe(true);
    expect(isStaticElf(process.execPath)).toBe(false);
  });

  it('packs a folder as a gzip newc archive that busybox cpio lists back, without root', async () => {
    const busybox = findStaticBusybox() as string;
    const tree = fs.mkdtempSync(join(os.tmpdir(), 'initramfs-test-'));
    fs.mkdirSync(join(tree, 'bin'));
    fs.writeFileSync(join(tree, 'init'), '#!/bin/busybox sh\n', { mode: 0o755 });
    fs.writeFileSync(join(tree, 'bin', 'x'), 'x');
    const gz = await packInitramfs(tree, busybox);
    const listing = execFileSync('sh', ['-c', `gzip -dc | ${busybox} cpio -t 2>/dev/null`], {
      input: gz,
    }).toString();
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['bin', 'bin/x', 'init']);
    fs.rmSync(tree, { recursive: true, force: true });
  });

  it('fails with a message naming the missing package, and installs nothing when told not to', async () => {
    const home = fs.mkdtempSync(join(os.tmpdir(), 'setup-test-'));
    const paths = labKernelPaths({ PROBE_LAB_HOME: home });
    await expect(
      setupLabKernel({ paths, pathVar: '/nonexistent', installMissing: false }),
    ).rejects.toMatchObject({
      code: 'KERNEL_SETUP_FAILED',
      message: expect.stringMatching(/qemu-system-x86/),
    });
    expect(fs.existsSync(paths.vmlinuz)).toBe(false);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
