/**
 * Footprint: files changed in an agent's working folder, measured by comparing two scans
 * (created, modified, deleted). A file counts as modified when its size, mtime or inode changed.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bounded so a runaway agent cannot make the observer walk forever. */
const MAX_ENTRIES = 200_000;

export interface FileEntry {
  size: number;
  mtimeNs: bigint;
  ino: number;
}

export type FolderScan = Map<string, FileEntry>;

export function scanFolder(root: string): FolderScan {
  const out: FolderScan = new Map();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.size >= MAX_ENTRIES) return;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else {
        try {
          const st = fs.lstatSync(full, { bigint: true });
          out.set(path.relative(root, full), {
            size: Number(st.size),
            mtimeNs: st.mtimeNs,
            ino: Number(st.ino),
          });
        } catch {
          /* vanished between readdir and stat: it will show as absent */
        }
      }
    }
  };
  walk(root);
  return out;
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
