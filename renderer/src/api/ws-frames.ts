/**
 * Parses one event-socket frame. Frames arrive as untrusted text; anything that does not have the
 * shape the console relies on is refused (null) and counted by the caller, never half-applied.
 * The checks cover every field the live screen reads, not every field of the evidence types.
 */
import type { OutputBatch, RunStreamEvent, WsFrame, WsNotice } from '../../../preload/contract';

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumOrNull = (v: unknown): boolean => v === null || isNum(v);
const isArrOf = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);

const LATENCY_CLASSES = new Set(['ok', 'warning', 'critical', 'skipped']);
const PULSE_STATUSES = new Set(['GREEN', 'YELLOW', 'RED']);
const DRIFT_CLASSES = new Set(['golden', 'mild', 'significant', 'penalised']);
const SEVERITIES = new Set(['info', 'warning', 'critical']);
const RUN_STATUSES = new Set(['running', 'halting', 'ended']);
const VERDICTS = new Set(['PASS', 'FAIL', 'HALTED', 'INTERRUPTED', 'INCOMPLETE']);

const isHost = (v: unknown): boolean =>
  isRec(v) && isNum(v.at) && isNum(v.cpuPct) && isNum(v.ramPct) && isNumOrNull(v.gpuPct);

const isPulse = (v: unknown): boolean =>
  isRec(v) &&
  isNum(v.seq) &&
  isNum(v.plannedAt) &&
  isNum(v.latencyMs) &&
  isStr(v.latencyClass) &&
  LATENCY_CLASSES.has(v.latencyClass) &&
  isStr(v.status) &&
  PULSE_STATUSES.has(v.status) &&
  isNumOrNull(v.tes) &&
  Array.isArray(v.targets) &&
  isArrOf(v.reasons, isStr);

const isSample = (v: unknown): boolean =>
  isRec(v) && isNum(v.at) && isHost(v.host) && Array.isArray(v.targets);

const isSnapshot = (v: unknown): boolean => isRec(v) && isNum(v.seq) && isNum(v.slot) && isNum(v.at);

const isCoverage = (v: unknown): boolean =>
  isRec(v) &&
  isNum(v.cadenceMs) &&
  isNum(v.expected) &&
  isNum(v.present) &&
  isNum(v.pct) &&
  isArrOf(v.missing, (g) => isRec(g) && isNum(g.from) && isNum(g.to) && isNum(g.missingSlots));

const isTes = (v: unknown): boolean =>
  isRec(v) &&
  isStr(v.subject) &&
  isNum(v.score) &&
  isStr(v.drift) &&
  DRIFT_CLASSES.has(v.drift) &&
  isRec(v.penalties);

const isIntegrity = (v: unknown): boolean =>
  isRec(v) &&
  isNum(v.at) &&
  typeof v.ok === 'boolean' &&
  (v.governanceHash === null || isStr(v.governanceHash)) &&
  (v.baselineGovernanceHash === null || isStr(v.baselineGovernanceHash)) &&
  isArrOf(v.changed, isStr) &&
  isArrOf(v.sentinels, (s) => isRec(s) && isStr(s.path));

const isEventRecord = (v: unknown): boolean => isRec(v) && isNum(v.at) && isStr(v.kind) && isStr(v.message);

const isAnomaly = (v: unknown): boolean =>
  isRec(v) &&
  isNum(v.at) &&
  isStr(v.code) &&
  isStr(v.message) &&
  isStr(v.severity) &&
  SEVERITIES.has(v.severity);

const isTargetState = (v: unknown): boolean => isRec(v) && isStr(v.targetId) && isStr(v.state);

export const isRunSummary = (v: unknown): boolean =>
  isRec(v) &&
  isStr(v.runId) &&
  isStr(v.planId) &&
  isNum(v.startedAt) &&
  isNumOrNull(v.endedAt) &&
  isStr(v.status) &&
  RUN_STATUSES.has(v.status) &&
  (v.verdict === null || (isStr(v.verdict) && VERDICTS.has(v.verdict))) &&
  (v.reportPath === null || isStr(v.reportPath));

const EVENT_CHECKS: Record<RunStreamEvent['type'], (e: Rec) => boolean> = {
  pulse: (e) => isPulse(e.pulse),
  sample: (e) => isSample(e.sample),
  snapshot: (e) => isSnapshot(e.snapshot) && isCoverage(e.coverage),
  tes: (e) => isArrOf(e.tes, isTes),
  integrity: (e) => isIntegrity(e.integrity),
  event: (e) => isEventRecord(e.event),
  anomaly: (e) => isAnomaly(e.anomaly),
  targets: (e) => isArrOf(e.targets, isTargetState),
  end: (e) => isRunSummary(e.run) && Array.isArray(e.thresholds),
};

export function isRunStreamEvent(v: unknown): v is RunStreamEvent {
  if (!isRec(v) || !isStr(v.type) || !isStr(v.runId) || v.runId === '') return false;
  const check = (EVENT_CHECKS as Record<string, ((e: Rec) => boolean) | undefined>)[v.type];
  return check !== undefined && Object.hasOwn(EVENT_CHECKS, v.type) && check(v);
}

export function isOutputBatch(v: unknown): v is OutputBatch {
  return (
    isRec(v) && isStr(v.runId) && v.runId !== '' && isStr(v.targetId) && v.targetId !== '' && isStr(v.data)
  );
}

export function isWsNotice(v: unknown): v is WsNotice['notice'] {
  return (
    isRec(v) &&
    v.kind === 'output-dropped' &&
    isNum(v.frames) &&
    isNum(v.chars) &&
    isArrOf(v.runIds, (r) => isStr(r) && r !== '')
  );
}

/** One frame in, a WsFrame or null (malformed: not text, not JSON, or the wrong shape). */
export function parseWsFrame(data: unknown): WsFrame | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRec(parsed)) return null;
  if (parsed.stream === 'run' && isRunStreamEvent(parsed.event))
    return { stream: 'run', event: parsed.event };
  if (parsed.stream === 'output' && isOutputBatch(parsed.batch))
    return { stream: 'output', batch: parsed.batch };
  if (parsed.stream === 'notice' && isWsNotice(parsed.notice))
    return { stream: 'notice', notice: parsed.notice };
  return null;
}
