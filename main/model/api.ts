/**
 * What crosses the contract between the console and the engine host: plan summaries, previews,
 * run state, history rows, settings, stream events and the reply envelope. preload/contract.ts
 * re-exports these with the channel map; the engine imports them from here, never from preload.
 */
import type {
  Anomaly,
  Coverage,
  GuardProgress,
  IntegrityCheck,
  Pulse,
  ResourceSample,
  RunEventRecord,
  Snapshot,
  TargetState,
  TesScore,
  ThresholdResult,
  Verdict,
} from './evidence';

export interface CodedErrorDto {
  code: string;
  message: string;
  issues?: { path: string; code: string; message: string }[];
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: CodedErrorDto };

export interface PlanSummary {
  id: string;
  title: string;
  kind: string;
  description: string;
  source: 'bundled' | 'saved';
  path: string;
  /** Expected wall time, from the plan's max duration. */
  maxDurationSec: number;
}

export interface PlanCheck {
  valid: boolean;
  issues: { path: string; code: string; message: string }[];
  summary: PlanSummary | null;
  /** What the plan cannot produce (no burst during its tasks, a guard window too long); a valid plan may have them. */
  warnings?: { code: string; path: string; message: string }[];
}

export interface RunPreview {
  planId: string;
  planHash: string;
  title: string;
  kind: string;
  targets: {
    id: string;
    kind: string;
    command: string;
    args: string[];
    count: number;
    /** The resolved executable and every argument, raw: escape before showing (util/escape). */
    argv: string[];
    /** The instance's working folder (the run id is known only when it starts). */
    cwd: string;
    /** Every variable the plan sets, on top of Probe Lab's own. */
    env: Record<string, string>;
    /** argv shell-quoted and escaped: safe to show as it is. */
    resolved: string;
  }[];
  maxDurationSec: number;
  cadences: {
    pulseEverySec: number;
    burstCount: number;
    burstSpacingSec: number;
    pulsesAfter: number;
    snapshotEverySec: number;
    sampleEveryMs: number;
  };
  guardRails: { cpuPct: number; ramPct: number; gpuPct: number; windowSec: number };
  governance: { folder: string | null; sentinels: string[] };
  allowlist: string[];
  /** Which containment the run would get on this host: 'cgroup v2', 'cgroup v1' or 'process tree (weaker)'. */
  containment: { mode: string; label: string; detail: string };
  /** Escaped WARNING lines: loader variables the plan allowed through allowEnv. */
  warnings: string[];
  /** Plain lines, the same ones the native dialog and the CLI print. */
  lines: string[];
}

export type StartAnswer =
  | { kind: 'started'; runId: string }
  | { kind: 'declined' }
  /** Browser mode: the person must type the plan id; the server checks it. */
  | { kind: 'challenge'; challengeId: string; planId: string; preview: RunPreview; expiresAt: number };

export interface RunSummary {
  runId: string;
  planId: string;
  title: string;
  startedAt: number;
  endedAt: number | null;
  status: 'running' | 'halting' | 'ended';
  verdict: Verdict | null;
  reportPath: string | null;
}

export interface TargetOutputTail {
  targetId: string;
  tail: string;
}

export interface RunState {
  run: RunSummary;
  maxDurationSec: number;
  pulses: Pulse[];
  samples: ResourceSample[];
  snapshots: Snapshot[];
  coverage: Coverage | null;
  tes: TesScore[];
  integrity: IntegrityCheck | null;
  events: RunEventRecord[];
  anomalies: Anomaly[];
  targets: TargetState[];
  output: TargetOutputTail[];
  guardRails: { cpuPct: number; ramPct: number; gpuPct: number; windowSec: number };
  thresholds: { pulseWarnSec: number; pulseCritSec: number };
}

export interface HistoryRow {
  reportPath: string;
  date: number;
  planId: string;
  title: string;
  verdict: Verdict;
  tes: number | null;
  coveragePct: number | null;
  signature: 'valid' | 'invalid' | 'missing';
  /** Whose key signed it and whether the user trusts that key (never from files beside a report). */
  trust: TrustLevel;
  /** `SHA256:...` of the signing key, as `ssh-keygen -l` prints it; null when nothing verified. */
  signer: string | null;
}

/** A good signature by a key the user does not trust is `untrusted-signer`, never `trusted`. */
export type TrustLevel = 'trusted' | 'untrusted-signer' | 'invalid';

export interface VerifyResult {
  ok: boolean;
  signatures: { file: string; ok: boolean; detail: string }[];
  ledger: { ok: boolean; records: number; firstBad: number | null; detail: string };
  trust: TrustLevel;
  /** `SHA256:...` of the key that signed both documents, when they verify cryptographically. */
  signer: string | null;
  /** The .md, the .json and the ledger name the same run id, plan hash and ledger head. */
  binding: { ok: boolean; detail: string };
}

export interface OpenedReport {
  reportPath: string;
  markdown: string;
  json: unknown;
  verification: VerifyResult;
}

export interface Settings {
  reportFolder: string;
  agents: { name: string; command: string }[];
  labKernel: { kernel: string | null; initrd: string | null };
}

export type RunStreamEvent =
  | { type: 'pulse'; runId: string; pulse: Pulse }
  /** `guard`: each rail's progress toward tripping (added later; absent in older streams). */
  | { type: 'sample'; runId: string; sample: ResourceSample; guard?: GuardProgress[] }
  | { type: 'snapshot'; runId: string; snapshot: Snapshot; coverage: Coverage; burstCoverage?: Coverage }
  | { type: 'tes'; runId: string; tes: TesScore[] }
  | { type: 'integrity'; runId: string; integrity: IntegrityCheck }
  | { type: 'event'; runId: string; event: RunEventRecord }
  | { type: 'anomaly'; runId: string; anomaly: Anomaly }
  | { type: 'targets'; runId: string; targets: TargetState[] }
  | { type: 'end'; runId: string; run: RunSummary; thresholds: ThresholdResult[] };

export interface OutputBatch {
  runId: string;
  targetId: string;
  data: string;
}
