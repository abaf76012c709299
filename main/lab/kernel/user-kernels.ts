/**
 * Kernels users bring themselves, as registered in settings: kernel image, initrd or disk, memory,
 * CPUs, extra arguments, ready and prompt patterns. The settings store (main/app) keeps the raw
 * entries; this module is the schema that parses them and the conversion to a plan target.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { KernelTargetSchema, zodIssues, type KernelTarget as KernelTargetSpec } from '../../model/plan';
import { fail, ok, type Result } from '../../util/errors';
import { compilePattern } from './serial';

/** QEMU options the engine owns: a user's extra arguments may not replace the console, QMP or accelerator. */
const RESERVED_ARGS = new Set([
  '-qmp',
  '-serial',
  '-chardev',
  '-accel',
  '-enable-kvm',
  '-monitor',
  '-nographic',
  '-kernel',
  '-initrd',
  '-daemonize',
]);

export const UserKernelSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/),
    kernel: z.string().min(1).max(4096),
    initrd: z.string().min(1).max(4096).optional(),
    disk: z.string().min(1).max(4096).optional(),
    memoryMb: z.number().int().min(64).max(4096).default(256),
    cpus: z.number().int().min(1).max(4).default(1),
    append: z.string().max(2048).default(''),
    extraArgs: z.array(z.string().max(1024)).max(64).default([]),
    readyPattern: z.string().min(1).max(512),
    promptPattern: z.string().min(1).max(512).default('# $'),
    bootTimeoutSec: z.number().positive().max(600).default(60),
    dialect: z.enum(['busybox', 'stresstest']).default('busybox'),
  })
  .strict()
  .refine((k) => k.initrd !== undefined || k.disk !== undefined, {
    message: 'needs an initrd or a disk',
    path: ['initrd'],
  });
export type UserKernel = z.infer<typeof UserKernelSchema>;

/** Parses a settings entry and checks what can be checked before a boot: files, patterns, arguments. */
export function parseUserKernel(raw: unknown): Result<UserKernel> {
  const r = UserKernelSchema.safeParse(raw);
  if (!r.success) return fail('PLAN_INVALID', 'user kernel entry is not valid', zodIssues(r.error));
  const k = r.data;
  const issues: { path: string; code: string; message: string }[] = [];
  for (const key of ['kernel', 'initrd', 'disk'] as const) {
    const f = k[key];
    if (f !== undefined && !fs.existsSync(f))
      issues.push({ path: key, code: 'not_found', message: `${f} does not exist` });
  }
  for (const key of ['readyPattern', 'promptPattern'] as const) {
    try {
      compilePattern(key, k[key]);
    } catch (err) {
      issues.push({ path: key, code: 'invalid_regex', message: (err as Error).message });
    }
  }
  k.extraArgs.forEach((a, i) => {
    if (RESERVED_ARGS.has(a))
      issues.push({ path: `extraArgs.${i}`, code: 'reserved', message: `${a} is set by Probe Lab itself` });
  });
  return issues.length
    ? fail('PLAN_INVALID', `user kernel "${k.name}": ${issues.length} problem(s)`, issues)
    : ok(k);
}

/** The plan target for a registered kernel. */
export function userKernelTarget(k: UserKernel, id: string = k.name): KernelTargetSpec {
  return KernelTargetSchema.parse({
    id,
    kind: 'lab-kernel',
    image: {
      kernel: k.kernel,
      ...(k.initrd ? { initrd: k.initrd } : {}),
      ...(k.disk ? { disk: k.disk } : {}),
    },
    memoryMb: k.memoryMb,
    cpus: k.cpus,
    append: k.append,
    extraArgs: k.extraArgs,
    readyPattern: k.readyPattern,
    promptPattern: k.promptPattern,
    bootTimeoutSec: k.bootTimeoutSec,
    dialect: k.dialect,
  });
}
