/**
 * Seed 000 §5: after any anomaly, a person reviews it with the snapshots around it compared, the
 * governance hash verified at that moment and the pulse that caught it. This gathers those for
 * each anomaly of a run, under a stable id (A1, A2, ... in the order they were raised), which a
 * review (`probe-lab review --anomaly A2`) names.
 */
import type { Anomaly, IntegrityCheck, Pulse, Snapshot } from '../model/evidence';

/** The id a review names an anomaly by: its 1-based place in the report's anomaly list. */
export const anomalyId = (index: number): string => `A${index + 1}`;
export const ANOMALY_ID_RE = /^A[1-9][0-9]{0,5}$/;

/**
 * A pulse's own anomalies are raised just after its completion stamp and its lab work (1-5 ms
 * measured on a quick run); 50 ms covers a loaded host and stays far under the shortest pulse
 * cadence (1 s), so an anomaly is never credited to a pulse that ended before it.
 */
const PULSE_TAIL_MS = 50;

import type { AnomalyContext, FieldChange } from '../model/report';

export type { AnomalyContext, FieldChange };

type Leaf = string | number | boolean | null;

/**
 * Fields of a snapshot, flattened: per-target lists keyed by target id so a target that comes or
 * goes shows as a change rather than shifting every later row. Times and slot numbers are left
 * out: they always differ and say nothing about the anomaly.
 */
function flatten(s: Snapshot): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  const put = (prefix: string, obj: object, skip: string[] = []) => {
    for (const [k, v] of Object.entries(obj)) {
      if (skip.includes(k)) continue;
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out.set(`${prefix}${k}`, v as Leaf);
    }
  };
  put('host.', s.host, ['at']);
  for (const t of s.targets) put(`targets[${t.targetId}].`, t, ['targetId']);
  for (const t of s.states) put(`states[${t.targetId}].`, t, ['targetId']);
  return out;
}

export function compareSnapshots(before: Snapshot, after: Snapshot): { changes: FieldChange[]; compared: number } {
  const a = flatten(before);
  const b = flatten(after);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const x = a.has(field) ? (a.get(field) as Leaf) : null;
    const y = b.has(field) ? (b.get(field) as Leaf) : null;
    if (x !== y || a.has(field) !== b.has(field)) changes.push({ field, before: x, after: y });
  }
  return { changes, compared: fields.length };
}

export function anomalyContexts(input: {
  anomalies: Anomaly[];
  snapshots: Snapshot[];
  pulses: Pulse[];
  finalIntegrity: IntegrityCheck | null;
}): AnomalyContext[] {
  const snaps = [...input.snapshots].sort((x, y) => x.at - y.at);
  const pulses = [...input.pulses].sort((x, y) => x.completedAt - y.completedAt);
  return input.anomalies.map((a, i) => {
    const before = snaps.filter((s) => s.at <= a.at).at(-1) ?? null;
    const after = snaps.find((s) => s.at > a.at) ?? null;
    const cmp = before && after ? compareSnapshots(before, after) : { changes: [], compared: 0 };
    const ran = pulses.filter((p) => p.latencyClass !== 'skipped');
    const caught =
      ran.filter((p) => p.startedAt <= a.at && a.at <= p.completedAt + p.labWorkMs + PULSE_TAIL_MS).at(-1) ??
      ran.find((p) => p.startedAt >= a.at) ??
      null;
    const withIntegrity =
      (caught?.integrity ? caught : null) ??
      pulses.find((p) => p.startedAt >= a.at && p.integrity !== null) ??
      null;
    const check = withIntegrity?.integrity ?? input.finalIntegrity;
    return {
      id: anomalyId(i),
      at: a.at,
      code: a.code,
      severity: a.severity,
      before: before ? { seq: before.seq, at: before.at } : null,
      after: after ? { seq: after.seq, at: after.at } : null,
      changes: cmp.changes,
      compared: cmp.compared,
      governance: check
        ? {
            pulseSeq: withIntegrity?.seq ?? null,
            at: check.at,
            hash: check.governanceHash,
            baseline: check.baselineGovernanceHash,
            ok: check.ok,
            changed: check.changed,
          }
        : null,
      caughtBy: caught
        ? {
            seq: caught.seq,
            phase: caught.phase,
            latencyMs: caught.latencyMs,
            latencyClass: caught.latencyClass,
            status: caught.status,
          }
        : null,
    };
  });
}
