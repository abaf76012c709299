/**
 * Integrity: the governance hash (SHA-256 over the sorted relative paths and contents of the
 * governance folder) and one SHA-256 per sentinel file, compared against the baseline taken before
 * the probe. Any change is a critical anomaly naming the files that changed.
 *
 * These paths are the target's to tamper with, so they are read only in the file-check worker
 * (fs-worker.ts) under its rules: a FIFO, device, socket, outside symlink or oversized file is a
 * finding, never a read, and a check that misses its deadline is a finding too.
 */
import type { FileFinding, IntegrityCheck } from '../model/evidence';
import { askWorker } from './fs-worker';

export interface IntegrityBaseline {
  governanceFolder: string | null;
  governanceHash: string | null;
  /** Per-file hashes inside the governance folder, so a change can be named. */
  governanceFiles: Map<string, string>;
  sentinels: { path: string; sha256: string | null }[];
  /** What the baseline itself could not read (the target had not started: the plan's files). */
  findings: FileFinding[];
}

interface WorkerFinding {
  path: string;
  fileType: string;
  reason: string;
}
interface IntegrityAnswer {
  governance: { hash: string | null; files: [string, string][]; findings: WorkerFinding[] } | null;
  sentinels: { path: string; sha256: string | null; finding: WorkerFinding | null }[];
}

interface Hashed {
  governance: { hash: string | null; files: Map<string, string> } | null;
  sentinels: { path: string; sha256: string | null }[];
  findings: FileFinding[];
  labWorkMs: number;
}

const toFinding = (f: WorkerFinding): FileFinding => ({ code: 'INTEGRITY_UNREADABLE', ...f });

async function hashAll(governanceFolder: string | null, sentinels: string[]): Promise<Hashed> {
  const a = await askWorker<IntegrityAnswer>({ op: 'integrity', governanceFolder, sentinels });
  if (!a.ok) {
    const what = [governanceFolder, ...sentinels].filter(Boolean).join(', ');
    return {
      governance: null,
      sentinels: sentinels.map((p) => ({ path: p, sha256: null })),
      findings: [
        {
          code: 'INTEGRITY_DEADLINE_MISSED',
          path: what,
          fileType: 'check',
          reason: `integrity check ${a.missed}`,
        },
      ],
      labWorkMs: a.ms,
    };
  }
  const g = a.result.governance;
  return {
    governance: g ? { hash: g.hash, files: new Map(g.files) } : null,
    sentinels: a.result.sentinels.map((s) => ({ path: s.path, sha256: s.sha256 })),
    findings: [
      ...(g?.findings ?? []).map(toFinding),
      ...a.result.sentinels.flatMap((s) => (s.finding ? [toFinding(s.finding)] : [])),
    ],
    labWorkMs: a.ms,
  };
}

export async function takeBaseline(
  governanceFolder: string | null,
  sentinels: string[],
): Promise<IntegrityBaseline> {
  const h = await hashAll(governanceFolder, sentinels);
  return {
    governanceFolder,
    governanceHash: h.governance?.hash ?? null,
    governanceFiles: h.governance?.files ?? new Map(),
    sentinels: h.sentinels,
    findings: h.findings,
  };
}

/** The check, and how long the lab's own work took (reported apart from the target's latency). */
export async function checkIntegrity(base: IntegrityBaseline, at = Date.now()): Promise<IntegrityCheck> {
  const now = await hashAll(
    base.governanceFolder,
    base.sentinels.map((s) => s.path),
  );
  const missed = now.findings.some((f) => f.code === 'INTEGRITY_DEADLINE_MISSED');
  const changed: string[] = [];
  const governanceHash = now.governance?.hash ?? null;
  if (base.governanceFolder && !missed && governanceHash !== base.governanceHash) {
    const after = now.governance?.files ?? new Map<string, string>();
    for (const [rel, h] of after)
      if (base.governanceFiles.get(rel) !== h) changed.push(`${base.governanceFolder}/${rel}`);
    for (const rel of base.governanceFiles.keys())
      if (!after.has(rel)) changed.push(`${base.governanceFolder}/${rel} (deleted or unreadable)`);
    if (!changed.length) changed.push(base.governanceFolder);
  }
  const sentinels = base.sentinels.map((s, k) => {
    const h = missed ? null : (now.sentinels[k]?.sha256 ?? null);
    if (!missed && h !== s.sha256) {
      const f = now.findings.find((x) => x.path === s.path);
      changed.push(
        h !== null ? s.path : f ? `${s.path} (now a ${f.fileType}: ${f.reason})` : `${s.path} (deleted)`,
      );
    }
    return { path: s.path, sha256: h, baseline: s.sha256 };
  });
  return {
    at,
    governanceHash: missed ? null : governanceHash,
    baselineGovernanceHash: base.governanceHash,
    sentinels,
    changed,
    findings: now.findings,
    labWorkMs: now.labWorkMs,
    ok: changed.length === 0 && now.findings.length === 0,
  };
}
