/**
 * The QEMU command line for a kernel target. Every flag here was chosen for a measured reason
 * (see /work/shared/LAB-KERNEL-FACTS.md): software emulation, the serial console alone on stdio
 * with no escape or signal bytes, QMP on a unix socket, no default devices.
 */
import type { KernelTarget as KernelTargetSpec } from '../../model/plan';

export const QEMU_BINARY = 'qemu-system-x86_64';
/** The qdev ids faults address through QMP. */
export const DISK_ID = 'disk0';
export const NIC_ID = 'nic0';
/** Sparse raw disk for disk writes and I/O stalls; small, since nothing but dd ever uses it. */
export const DISK_SIZE_MB = 64;

export interface QemuDevices {
  /** A virtio-blk disk (the guest sees /dev/vda). */
  disk: boolean;
  /** A virtio NIC on user-mode networking (the guest sees eth0, gateway 10.0.2.2). */
  nic: boolean;
}

export interface QemuCommandInput {
  spec: KernelTargetSpec;
  kernel: string;
  initrd: string | null;
  /** A user's own disk image (from the target spec); the guest boots from it. */
  userDisk: string | null;
  /** Our scratch disk file, when devices.disk. */
  scratchDisk: string | null;
  qmpSocket: string;
  devices: QemuDevices;
}

export function qemuArgs(input: QemuCommandInput): string[] {
  const { spec } = input;
  // 115200 baud: at the default 9600 the emulated UART adds about 4 ms per input burst.
  // panic=-1 with -no-reboot: a panicking guest ends QEMU instead of hanging.
  const append = ['console=ttyS0,115200', 'panic=-1', 'quiet', spec.append].filter(Boolean).join(' ');
  const args = [
    // /dev/kvm exists on these machines but hangs the guest silently: always software emulation.
    '-accel',
    'tcg',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-m',
    String(spec.memoryMb),
    '-smp',
    String(spec.cpus),
    '-kernel',
    input.kernel,
    '-append',
    append,
    // signal=off: a Ctrl-C byte reaches the guest instead of killing QEMU; no mux, so no Ctrl-A escape.
    '-chardev',
    'stdio,id=con0,signal=off',
    '-serial',
    'chardev:con0',
    '-qmp',
    `unix:${input.qmpSocket},server=on,wait=off`,
  ];
  if (input.initrd) args.push('-initrd', input.initrd);
  if (input.userDisk) args.push('-drive', `file=${input.userDisk},if=virtio,format=raw`);
  if (input.scratchDisk)
    args.push(
      '-blockdev',
      `driver=file,filename=${input.scratchDisk},node-name=scratch0`,
      '-device',
      `virtio-blk-pci,drive=scratch0,id=${DISK_ID}`,
    );
  // romfile= drops the iPXE option ROM, which only slows the boot.
  if (input.devices.nic)
    args.push('-netdev', 'user,id=net0', '-device', `virtio-net-pci,netdev=net0,id=${NIC_ID},romfile=`);
  args.push(...spec.extraArgs);
  return args;
}
