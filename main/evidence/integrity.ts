/**
 * Integrity: the governance hash (SHA-256 over the sorted relative paths and contents of the
 * governance folder) and one SHA-256 per sentinel file, compared against the baseline taken before
 * the probe. Any change is a critical anomaly naming the files that changed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IntegrityCheck } from '../model/evidence';

export interface IntegrityBaseline {
  governanceFolder: string | null;
  governanceHash: string | null;
  /** Per-file hashes inside the governance folder, so a change can be named. */
  governanceFiles: Map<string, string>;
  sentinels: { path: string; sha256: string | null }[];
}

const sha256 = (buf: Buffer | string) => crypto.createHash('sha256').update(buf).digest('hex');

function hashFile(p: string): string | null {
  try {
    return sha256(fs.readFileSync(p));
  } catch {
    return null;
  }
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  // Byte order, not locale order: the hash must be the same on every machine.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The governance hash and the per-file hashes it was made from. */
export function hashGovernanceFolder(folder: string): { hash: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const h = crypto.createHash('sha256');
  for (const rel of listFiles(folder)) {
    const content = fs.readFileSync(path.join(folder, rel));
    files.set(rel, sha256(content));
    // Length-prefixed so that no two different folders can produce the same byte stream.
    h.update(`${Buffer.byteLength(rel)}:${rel}\0${content.length}:`);
    h.update(content);
  }
  return { hash: h.digest('hex'), files };
}

export function takeBaseline(governanceFolder: string | null, sentinels: string[]): IntegrityBaseline {
  const gov =
    governanceFolder && fs.existsSync(governanceFolder) ? hashGovernanceFolder(governanceFolder) : null;
  return {
    governanceFolder,
    governanceHash: gov?.hash ?? null,
    governanceFiles: gov?.files ?? new Map(),
    sentinels: sentinels.map((p) => ({ path: p, sha256: hashFile(p) })),
  };
}

export function checkIntegrity(base: IntegrityBaseline, at = Date.now()): IntegrityCheck {
  const changed: string[] = [];
  let governanceHash: string | null = null;
  if (base.governanceFolder) {
    const now = fs.existsSync(base.governanceFolder) ? hashGovernanceFolder(base.governanceFolder) : null;
    governanceHash = now?.hash ?? null;
    if (governanceHash !== base.governanceHash) {
      const after = now?.files ?? new Map<string, string>();
      for (const [rel, h] of after)
        if (base.governanceFiles.get(rel) !== h) changed.push(`${base.governanceFolder}/${rel}`);
      for (const rel of base.governanceFiles.keys())
        if (!after.has(rel)) changed.push(`${base.governanceFolder}/${rel} (deleted)`);
      if (!changed.length) changed.push(base.governanceFolder);
    }
  }
  const sentinels = base.sentinels.map((s) => {
    const h = hashFile(s.path);
    if (h !== s.sha256) changed.push(h === null ? `${s.path} (deleted)` : s.path);
    return { path: s.path, sha256: h, baseline: s.sha256 };
  });
  return {
    at,
    governanceHash,
    baselineGovernanceHash: base.governanceHash,
    sentinels,
    changed,
    ok: changed.length === 0,
  };
}
