/**
 * Footprint: files changed in an agent's working folder, measured by comparing two scans
 * (created, modified, deleted). A file counts as modified when its size, mtime or inode changed.
 */
import type { FileFinding } from '../model/evidence';
import { askWorker } from './fs-worker';

export interface FileEntry {
  size: number;
  mtimeNs: bigint;
  ino: number;
}

export type FolderScan = Map<string, FileEntry>;

export interface ScanResult {
  /** One scan per root, in order; null where the scan missed its deadline (nothing measured). */
  scans: (FolderScan | null)[];
  findings: FileFinding[];
  /** The lab's own time scanning (in the worker, with the round trip). */
  labWorkMs: number;
}

type WorkerScan = { entries: [string, number, string, number][]; findings: Omit<FileFinding, 'code'>[] };

/**
 * Scans each working folder from lstat alone (nothing is opened), in the file-check worker under
 * its caps and deadline: the folders are the targets' and may hold anything.
 */
export async function scanFolders(roots: string[]): Promise<ScanResult> {
  if (!roots.length) return { scans: [], findings: [], labWorkMs: 0 };
  const a = await askWorker<{ scans: WorkerScan[] }>({ op: 'scan', roots });
  if (!a.ok)
    return {
      scans: roots.map(() => null),
      findings: [
        {
          code: 'FOOTPRINT_DEADLINE_MISSED',
          path: roots.join(', '),
          fileType: 'check',
          reason: `footprint scan ${a.missed}`,
        },
      ],
      labWorkMs: a.ms,
    };
  return {
    scans: a.result.scans.map(
      (s) => new Map(s.entries.map(([p, size, mtime, ino]) => [p, { size, mtimeNs: BigInt(mtime), ino }])),
    ),
    findings: a.result.scans.flatMap((s) =>
      s.findings.map((f) => ({ code: 'FOOTPRINT_UNREADABLE' as const, ...f })),
    ),
    labWorkMs: a.ms,
  };
}

export interface FootprintDiff {
  created: string[];
  modified: string[];
  deleted: string[];
  total: number;
}

export function diffScans(before: FolderScan, after: FolderScan): FootprintDiff {
  const created: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  for (const [p, a] of after) {
    const b = before.get(p);
    if (!b) created.push(p);
    else if (b.size !== a.size || b.mtimeNs !== a.mtimeNs || b.ino !== a.ino) modified.push(p);
  }
  for (const p of before.keys()) if (!after.has(p)) deleted.push(p);
  created.sort();
  modified.sort();
  deleted.sort();
  return { created, modified, deleted, total: created.length + modified.length + deleted.length };
}
