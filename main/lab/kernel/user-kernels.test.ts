import { describe, expect, it } from 'vitest';
import { parseUserKernel, userKernelTarget } from './user-kernels';

describe('user kernels from settings', () => {
  it('parses an entry into a plan target with explicit image paths', () => {
    const r = parseUserKernel({
      name: 'mine',
      kernel: process.execPath,
      initrd: process.execPath,
      readyPattern: 'login:',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = userKernelTarget(r.value);
    expect(t).toMatchObject({
      id: 'mine',
      kind: 'lab-kernel',
      image: { kernel: process.execPath, initrd: process.execPath },
      memoryMb: 256,
    });
  });

  it('lists every problem: missing files, a bad pattern, arguments Probe Lab owns', () => {
    const r = parseUserKernel({
      name: 'bad',
      kernel: '/nonexistent/vmlinuz',
      disk: '/nonexistent/disk.img',
      readyPattern: '(',
      extraArgs: ['-qmp', 'tcp:0:4444'],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.issues?.map((i) => i.path).sort()).toEqual([
      'disk',
      'extraArgs.0',
      'kernel',
      'readyPattern',
    ]);
  });

  it('needs an initrd or a disk', () => {
    const r = parseUserKernel({ name: 'x', kernel: process.execPath, readyPattern: 'x' });
    expect(r.ok).toBe(false);
  });
});
