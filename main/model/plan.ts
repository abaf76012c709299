/**
 * The probe plan: one schema parses every plan file (JSON or YAML). Defaults come from seed 000
 * section 4 (thresholds) and section 3 (evidence cadences). A plan that fails to parse never starts
 * anything; every problem is reported with its path and a code.
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { LabError, type CodedError } from '../util/errors';
import { HealthCheckSchema } from './health-check';

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'lower-case letters, digits, dot, dash and underscore; starts with a letter or digit',
  );

/** A POSIX environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const PROBE_KINDS = [
  'concurrency',
  'duration',
  'footprint',
  'combined',
  'kernel',
  'chaos',
  'validation-burst',
  'stresstest',
] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

// How a target's responsiveness is checked at each pulse: its own file (service checks, loopback rule).
export { HealthCheckSchema, isLoopbackHost, isLoopbackUrl, type HealthCheck } from './health-check';

export const AgentTargetSchema = z
  .object({
    id: slug,
    kind: z.literal('agent'),
    /** An executable path, a name on PATH, or `workload-agent` (the bundled agent). */
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(256).default([]),
    /** Parallel copies; each gets its own working folder and its own TES. */
    count: z.number().int().min(1).max(64).default(1),
    env: z.record(z.string().regex(ENV_NAME), z.string().max(4096)).default({}),
    health: HealthCheckSchema.default({ type: 'ping' }),
    /**
     * task: runs to an end of its own and is scored by TES. service: runs until the probe stops
     * it (a daemon, a server); not scored by TES, and ending on its own is an anomaly.
     */
    role: z.enum(['task', 'service']).default('task'),
    /**
     * host (absent): the host's network. namespace: a network namespace of its own, joined to the
     * host by a veth pair on a private /30; its http or tcp health check goes over the veth, so a
     * network-partition chaos scenario (veth down, then up) cuts something observable.
     */
    network: z.enum(['host', 'namespace']).optional(),
  })
  .strict()
  .refine((t) => t.network !== 'namespace' || t.health.type === 'http' || t.health.type === 'tcp', {
    message: 'network "namespace" needs an http or tcp health check (it is what crosses the veth)',
    path: ['network'],
  });
export type AgentTarget = z.infer<typeof AgentTargetSchema>;

export const KernelTargetSchema = z
  .object({
    id: slug,
    kind: z.literal('lab-kernel'),
    /**
     * `bundled` uses the image built by `probe-lab lab-kernel setup`; `registered` the kernel and
     * initrd set in Settings (Lab kernel); otherwise explicit paths.
     */
    image: z
      .union([
        z.literal('bundled'),
        z.literal('registered'),
        z
          .object({
            kernel: z.string().min(1),
            initrd: z.string().min(1).optional(),
            disk: z.string().min(1).optional(),
          })
          .strict(),
      ])
      .default('bundled'),
    memoryMb: z.number().int().min(64).max(4096).default(256),
    cpus: z.number().int().min(1).max(4).default(1),
    append: z.string().max(2048).default(''),
    extraArgs: z.array(z.string().max(1024)).max(64).default([]),
    readyPattern: z.string().max(512).default('LAB-KERNEL-READY'),
    promptPattern: z.string().max(512).default('# $'),
    bootTimeoutSec: z.number().positive().max(600).default(60),
    /** Guest shell dialect: plain busybox, or the seed 002 `stresstest` shell. */
    dialect: z.enum(['busybox', 'stresstest']).default('busybox'),
  })
  .strict();
export type KernelTarget = z.infer<typeof KernelTargetSchema>;

export const TargetSchema = z.discriminatedUnion('kind', [AgentTargetSchema, KernelTargetSchema]);
export type TargetSpec = z.infer<typeof TargetSchema>;

export const TesConfigSchema = z
  .object({
    /** v2 is the seed system's formula; v3 adds compliance and coherence. */
    variant: z.enum(['v2', 'v3']).default('v2'),
    weights: z
      .object({
        stability: z.number().min(0).max(1),
        velocity: z.number().min(0).max(1),
        footprint: z.number().min(0).max(1),
        compliance: z.number().min(0).max(1).default(0),
        coherence: z.number().min(0).max(1).default(0),
      })
      .strict()
      .optional(),
    velocity: z
      .object({ fullSec: z.number().positive().default(90), zeroSec: z.number().positive().default(900) })
      .strict()
      .default({ fullSec: 90, zeroSec: 900 }),
    footprint: z
      .object({
        fullFiles: z.number().int().min(0).default(1),
        zeroFiles: z.number().int().min(1).default(10),
      })
      .strict()
      .default({ fullFiles: 1, zeroFiles: 10 }),
  })
  .strict()
  .refine((t) => t.velocity.zeroSec > t.velocity.fullSec, {
    message: 'velocity.zeroSec must exceed velocity.fullSec',
    path: ['velocity'],
  })
  .refine((t) => t.footprint.zeroFiles > t.footprint.fullFiles, {
    message: 'footprint.zeroFiles must exceed footprint.fullFiles',
    path: ['footprint'],
  });
export type TesConfig = z.infer<typeof TesConfigSchema>;

export const ThresholdsSchema = z
  .object({
    pulse: z
      .object({ warnSec: z.number().positive().default(3), critSec: z.number().positive().default(5) })
      .strict()
      .default({ warnSec: 3, critSec: 5 }),
    guard: z
      .object({
        cpuPct: z.number().min(1).max(100).default(85),
        ramPct: z.number().min(1).max(100).default(80),
        gpuPct: z.number().min(1).max(100).default(70),
        /** How long a breach must be sustained before the probe halts. */
        windowSec: z.number().positive().max(3600).default(30),
      })
      .strict()
      .default({ cpuPct: 85, ramPct: 80, gpuPct: 70, windowSec: 30 }),
    /** Expected TES band for the probe (seed 000: footprint < 80, combined 50-70). */
    tes: z
      .object({ min: z.number().min(0).max(100).optional(), max: z.number().min(0).max(100).optional() })
      .strict()
      .default({}),
    coverage: z
      .object({ minPct: z.number().min(0).max(100).default(100) })
      .strict()
      .default({ minPct: 100 }),
    /** Seed 000 section 5, file I/O delays: a small write + fdatasync, and the governance read. */
    fileIo: z
      .object({ warnMs: z.number().positive().default(200), critMs: z.number().positive().default(1000) })
      .strict()
      .default({ warnMs: 200, critMs: 1000 }),
  })
  .strict();
export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const PlanSchema = z
  .object({
    $schema: z.string().optional(),
    id: slug,
    title: z.string().min(1).max(200),
    kind: z.enum(PROBE_KINDS),
    description: z.string().max(4000).default(''),
    /** Executables permitted to run: absolute paths, names on PATH, or `workload-agent`. */
    allowlist: z.array(z.string().min(1).max(4096)).min(1).max(64),
    targets: z.array(TargetSchema).min(1).max(32),
    run: z
      .object({
        /** Hard stop: anything still running then is stopped and scored as not finished. */
        maxDurationSec: z
          .number()
          .positive()
          .max(7 * 24 * 3600),
      })
      .strict(),
    pulses: z
      .object({
        /** Time between bursts during the probe (seed 000: 2-5 min). */
        cadenceSec: z
          .number()
          .positive()
          .max(24 * 3600)
          .default(180),
        burst: z
          .object({
            count: z.number().int().min(1).max(20).default(3),
            spacingSec: z.number().positive().max(600).default(5),
          })
          .strict()
          .default({ count: 3, spacingSec: 5 }),
        after: z.number().int().min(1).max(20).default(1),
        /** How long one target may take to answer a pulse before it counts as unresponsive. */
        timeoutSec: z.number().positive().max(60).default(5),
      })
      .strict()
      .default({ cadenceSec: 180, burst: { count: 3, spacingSec: 5 }, after: 1, timeoutSec: 5 }),
    snapshots: z
      .object({
        cadenceSec: z
          .number()
          .positive()
          .max(24 * 3600)
          .default(150),
      })
      .strict()
      .default({ cadenceSec: 150 }),
    sampling: z
      .object({ intervalMs: z.number().int().min(100).max(60_000).default(1000) })
      .strict()
      .default({ intervalMs: 1000 }),
    thresholds: ThresholdsSchema.default({
      pulse: { warnSec: 3, critSec: 5 },
      guard: { cpuPct: 85, ramPct: 80, gpuPct: 70, windowSec: 30 },
      tes: {},
      coverage: { minPct: 100 },
      fileIo: { warnMs: 200, critMs: 1000 },
    }),
    tes: TesConfigSchema.default({
      variant: 'v2',
      velocity: { fullSec: 90, zeroSec: 900 },
      footprint: { fullFiles: 1, zeroFiles: 10 },
    }),
    governance: z
      .object({
        /** Folder hashed as the governance hash; relative paths resolve from the plan file. */
        folder: z.string().min(1).max(4096).optional(),
        sentinels: z.array(z.string().min(1).max(4096)).max(256).default([]),
      })
      .strict()
      .default({ sentinels: [] }),
    /**
     * Env vars that change what an allowed executable loads (NODE_OPTIONS, LD_PRELOAD ...) which
     * this plan may set anyway; every preview shows them as a WARNING. Optional, so plans without
     * it keep their hash.
     */
    allowEnv: z.array(z.string().regex(ENV_NAME)).max(64).optional(),
    /** Kind-specific sections, parsed by their own schemas (chaos waves, validation bursts). */
    chaos: z.unknown().optional(),
    burst: z.unknown().optional(),
    stresstest: z.unknown().optional(),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const ids = new Set<string>();
    plan.targets.forEach((t, i) => {
      if (ids.has(t.id))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate target id "${t.id}"`,
          path: ['targets', i, 'id'],
        });
      ids.add(t.id);
    });
    if (plan.thresholds.fileIo.critMs <= plan.thresholds.fileIo.warnMs)
      ctx.addIssue({
        code: 'custom',
        message: 'critMs must exceed warnMs',
        path: ['thresholds', 'fileIo', 'critMs'],
      });
    if (plan.thresholds.pulse.critSec <= plan.thresholds.pulse.warnSec)
      ctx.addIssue({
        code: 'custom',
        message: 'critSec must exceed warnSec',
        path: ['thresholds', 'pulse', 'critSec'],
      });
  });

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;

/** Formats zod issues as path + code + message, every one of them. */
export function zodIssues(error: z.ZodError): NonNullable<CodedError['issues']> {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    code: i.code,
    message: i.message,
  }));
}

/** A plan is a few kilobytes; a megabyte is a mistake or an attack, refused before parsing. */
export const MAX_PLAN_BYTES = 1_000_000;
/**
 * The deepest nesting a plan needs is under ten (chaos waves inside a section); 64 leaves room and
 * keeps every recursive walk after parsing (schema, canonical JSON for the hash) far from the stack.
 */
export const MAX_PLAN_DEPTH = 64;

function tooBig(source: string, message: string): LabError {
  return new LabError('PLAN_INVALID', `${source}: ${message}`, [
    { path: '(root)', code: 'too_big', message },
  ]);
}

/** Depth of nested arrays and objects, walked without recursion so the walk itself cannot overflow. */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d + 1);
    if (max > limit) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Parses plan text (JSON or YAML). Throws LabError PLAN_PARSE / PLAN_INVALID with every issue. */
export function parsePlanText(text: string, source = 'plan'): Plan {
  if (text.length > MAX_PLAN_BYTES) throw tooBig(source, `plan larger than ${MAX_PLAN_BYTES / 1_000_000} MB`);
  let raw: unknown;
  try {
    const trimmed = text.trimStart();
    raw =
      trimmed.startsWith('{') || trimmed.startsWith('[')
        ? JSON.parse(text)
        : parseYaml(text, { maxAliasCount: 50 });
  } catch (err) {
    // The YAML parser recurses per nesting level: a stack overflow there is a too-deep plan.
    if (err instanceof RangeError || /call stack/i.test((err as Error).message))
      throw tooBig(source, `plan nested deeper than ${MAX_PLAN_DEPTH} levels`);
    throw new LabError('PLAN_PARSE', `${source}: ${(err as Error).message}`);
  }
  return parsePlanObject(raw, source);
}

export function parsePlanObject(raw: unknown, source = 'plan'): Plan {
  if (nestingDepth(raw, MAX_PLAN_DEPTH) > MAX_PLAN_DEPTH)
    throw tooBig(source, `plan nested deeper than ${MAX_PLAN_DEPTH} levels`);
  const result = PlanSchema.safeParse(raw);
  if (!result.success) {
    const issues = zodIssues(result.error);
    throw new LabError('PLAN_INVALID', `${source}: ${issues.length} problem(s) in plan`, issues);
  }
  assertNoReservedEnv(result.data, source);
  return result.data;
}

/** Variables Probe Lab sets in every target's environment; a plan may never set or override them. */
export const RESERVED_ENV_PREFIX = 'PROBE_LAB_';

/**
 * Refuses any `env` record anywhere in the plan (agents, validators, kinds' own sections) that
 * names a reserved variable: recovery and the weaker containment find a run's processes by
 * PROBE_LAB_RUN_ID, so a plan that could set it could hide its processes or aim at another run's.
 */
export function assertNoReservedEnv(plan: unknown, source = 'plan'): void {
  const bad: { path: string; code: string; message: string }[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const here = at ? `${at}.${k}` : k;
      if (k === 'env' && x && typeof x === 'object' && !Array.isArray(x)) {
        for (const name of Object.keys(x))
          if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX))
            bad.push({ path: `${here}.${name}`, code: 'reserved', message: `${name} is set by Probe Lab` });
      } else walk(x, here);
    }
  };
  walk(plan, '');
  if (bad.length)
    throw new LabError(
      'PLAN_ENV_RESERVED',
      `${source}: env may not set ${bad.map((b) => b.path).join(', ')}: variables named ${RESERVED_ENV_PREFIX}* are set by Probe Lab itself`,
      bad,
    );
}
