/**
 * The stub audit as a report section: runs grouped by suite (or plan), each group audited as
 * repetitions of one test, findings listed with code, metric and the numbers behind them. One
 * function, `auditSection(runs)`, serves `probe-lab audit`, the chaos kind's signed report and
 * any kind that produces repeated runs.
 */
import type { AuditFinding, AuditRun } from './audit-types';
import { auditRuns } from './stub-audit';

export const AUDIT_SCHEMA = 'probe-lab/audit/v1';

export interface SuiteRun {
  /** What the run repeats: a stresstest suite (`memory`, `compare multi`) or `plan <id>`. */
  suite: string;
  run: AuditRun;
}

export interface AuditGroup {
  suite: string;
  runs: string[];
  findings: AuditFinding[];
}

export interface AuditSection {
  schema: typeof AUDIT_SCHEMA;
  runs: number;
  findings: number;
  /** Findings per code, over all groups. */
  codes: Record<string, number>;
  groups: AuditGroup[];
}

/** Audits each suite's runs together, in the order suites first appear. */
export function auditSection(runs: readonly SuiteRun[]): AuditSection {
  const bySuite = new Map<string, AuditRun[]>();
  for (const r of runs) {
    const list = bySuite.get(r.suite) ?? [];
    list.push(r.run);
    bySuite.set(r.suite, list);
  }
  const groups = [...bySuite].map(([suite, list]) => ({
    suite,
    runs: list.map((r) => r.label),
    findings: auditRuns(list),
  }));
  const codes: Record<string, number> = {};
  for (const f of groups.flatMap((g) => g.findings)) codes[f.code] = (codes[f.code] ?? 0) + 1;
  return {
    schema: AUDIT_SCHEMA,
    runs: runs.length,
    findings: groups.reduce((n, g) => n + g.findings.length, 0),
    codes,
    groups,
  };
}

/** Evidence longer than this is cut in text output; --json carries it whole. */
const MAX_EVIDENCE_CHARS = 240;

function numbersBehind(f: AuditFinding): string {
  const { runs: _runs, ...rest } = f.evidence;
  const text = JSON.stringify(rest, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v,
  );
  return text.length > MAX_EVIDENCE_CHARS ? `${text.slice(0, MAX_EVIDENCE_CHARS - 1)}…` : text;
}

/** Plain-text lines of a section: one block per suite, each finding with its numbers. */
export function renderAuditLines(section: AuditSection): string[] {
  const lines: string[] = [];
  for (const g of section.groups) {
    lines.push(
      `${g.suite}: ${g.runs.length} run${g.runs.length === 1 ? '' : 's'}, ${g.findings.length === 0 ? 'no findings' : `${g.findings.length} finding${g.findings.length === 1 ? '' : 's'}`}`,
    );
    for (const f of g.findings) {
      lines.push(`  ${f.severity === 'critical' ? 'CRIT' : 'WARN'} ${f.code} ${f.metric}: ${f.message}`);
      lines.push(`       numbers: ${numbersBehind(f)}`);
    }
  }
  return lines;
}
