/**
 * Probe extensions: kind-specific work (chaos waves, validation bursts, kernel faults) that runs
 * inside the one run loop, with the same ledger, pulses, halt and report. An extension never
 * starts anything the person did not confirm: it acts only on the plan's own targets and
 * allowlisted executables, and it stops when the run halts.
 */
import type {
  Anomaly,
  AnomalyCode,
  Pulse,
  ResourceSample,
  Severity,
  ThresholdResult,
} from '../model/evidence';
import type { Target } from '../lab/target';
import type { Disposable } from '../util/event';
import type { Plan } from '../model/plan';
import type { CgroupCell } from '../lab/cgroup';

export interface ExtensionApi {
  readonly plan: Plan;
  readonly runId: string;
  readonly runDir: string;
  readonly planDir: string;
  readonly resourcesDir: string;
  /** The run's targets by instance id (agents: `<id>-<n>` when count > 1). */
  targets(): ReadonlyMap<string, Target>;
  /** Appends a record to the ledger (never throws; a write failure halts the run fail-closed). */
  record(type: string, data: unknown, durable?: boolean): void;
  event(kind: string, message: string, data?: Record<string, unknown>, targetId?: string): void;
  anomaly(code: AnomalyCode, severity: Severity, message: string, data?: Record<string, unknown>): void;
  /** A steady-state compliance pulse now (between chaos waves), with its measured latency. */
  pulseNow(): Promise<Pulse | null>;
  latestSample(): ResourceSample | null;
  readonly anomalies: readonly Anomaly[];
  /** True once the run is halting (person, guard rail, ledger failure, max duration). */
  isHalting(): boolean;
  /** A promise that resolves when the run starts halting. */
  readonly halting: Promise<void>;
  requestHalt(reason: string): void;
  /**
   * A cgroup cell of the run for processes an extension starts (validators): killed whole when the
   * run ends and swept after a crash. Null under the process-tree containment.
   */
  cellFor?(name: string): CgroupCell | null;
}

export interface ExtensionResult {
  /** Goes into the report's `extra` under the extension's name. */
  extra?: Record<string, unknown>;
  /** Added to the probe's thresholds, so the verdict accounts for them. */
  thresholds?: ThresholdResult[];
}

export interface ProbeExtension extends Disposable {
  readonly name: string;
  /**
   * True when the extension is the probe's work (chaos waves): a plan with no tasks ends when it
   * is done. False for an event inside a longer probe (a kernel pause at 12 s of 44).
   */
  readonly endsRun: boolean;
  /**
   * Runs after the targets started. The run does not end (unless halted or out of time) before
   * this promise settles, even when every target already exited.
   */
  run(api: ExtensionApi): Promise<void>;
  /** After the targets stopped: the extension's results for the report and the verdict. */
  finish(api: ExtensionApi): ExtensionResult | Promise<ExtensionResult>;
}

/** What a kind's preview lines may look at: where the plan's relative paths resolve from. */
export interface PreviewContext {
  planDir: string;
  resourcesDir: string;
}

/**
 * A probe kind as a plug-in: it parses its own plan section (throwing PLAN_INVALID with every
 * issue, paths under the section), says in plain lines what it will do, and builds the runtime
 * extension. `plan check`, the preview and the run all go through `parseSection`, so a bad section
 * is refused before anyone confirms. `parseSection` returns null when the plan is not for this kind.
 */
export interface ProbeKind<S = unknown> {
  readonly kind: string;
  parseSection(plan: Plan): S | null;
  previewLines(section: S, ctx: PreviewContext): string[];
  create(section: S, plan: Plan): ProbeExtension;
}

/** A kind with its parsed section: what the run and the preview hold between parse and use. */
export interface ParsedKind {
  readonly kind: ProbeKind;
  readonly section: unknown;
}

/** Parses every kind's section of the plan; the first bad section throws PLAN_INVALID. */
export function parseKinds(plan: Plan, kinds: readonly ProbeKind[]): ParsedKind[] {
  const out: ParsedKind[] = [];
  for (const kind of kinds) {
    const section = kind.parseSection(plan);
    if (section !== null) out.push({ kind, section });
  }
  return out;
}

/** Keeps a kind's section type through the array of kinds (each element is checked once here). */
export const defineKind = <S>(k: ProbeKind<S>): ProbeKind => k as ProbeKind;
