// The lab's file checks (integrity hashes, footprint scans), run in a child process so a path the
// target controls can never stall the engine's event loop, nor its exit. Plain ESM JavaScript on purpose: the
// worker is loaded by Node itself, under tsx (CLI, serve), vitest and the Electron build alike; a
// .ts worker would need a loader registered inside the worker (vitest's transform does not reach
// worker threads, Node 20 cannot strip types) and an extra entry in the electron-vite build.
//
// The rules: lstat first, and only regular files are ever opened. FIFOs, devices, sockets and
// symlinks leading out of the folder are findings, never reads (open() on a FIFO blocks until a
// writer comes; /dev/zero never ends). Files are opened O_NONBLOCK | O_NOFOLLOW and fstat'd again
// (a file swapped between lstat and open is caught); sizes and counts are capped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

/** A governance file or sentinel is policy text: one over 16 MiB is a finding, never hashed. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** The governance folder as a whole: past 64 MiB the rest is a finding, so a pulse stays short. */
const MAX_FOLDER_BYTES = 64 * 1024 * 1024;
/** Files in a governance folder: past this the walk stops with a finding. */
const MAX_FOLDER_FILES = 10_000;
/** Entries in an agent's working folder: past this the footprint is truncated with a finding. */
const MAX_SCAN_ENTRIES = 200_000;
/** Chunk size of the hashing reads. */
const READ_CHUNK = 256 * 1024;

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW, O_NOCTTY } = fs.constants;
const OPEN_FLAGS = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | (O_NOCTTY ?? 0);

/** The file type named in a finding. */
function typeOf(st) {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'unknown';
}

const inside = (root, p) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * SHA-256 of a regular file, or a finding. `budget` (bytes still allowed) is shared across a
 * folder walk. Never follows a symlink and never opens anything but a regular file.
 */
export function hashRegularFile(p, budget = { bytes: Infinity }) {
  let st;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    if (err.code === 'ENOENT') return { sha256: null, missing: true };
    return { sha256: null, finding: { path: p, fileType: 'unknown', reason: `lstat failed: ${err.code}` } };
  }
  if (!st.isFile()) {
    let reason = 'not a regular file: never opened';
    if (st.isSymbolicLink()) {
      let to = '?';
      try {
        to = fs.readlinkSync(p);
      } catch {
        /* vanished */
      }
      reason = `symlink to ${to}: never followed`;
    }
    return { sha256: null, finding: { path: p, fileType: typeOf(st), reason } };
  }
  if (st.size > MAX_FILE_BYTES || st.size > budget.bytes)
    return {
      sha256: null,
      finding: {
        path: p,
        fileType: 'file',
        reason: `${st.size} bytes, over the ${st.size > MAX_FILE_BYTES ? `${MAX_FILE_BYTES}-byte file` : 'folder'} cap: not hashed`,
      },
    };
  let fd;
  try {
    fd = fs.openSync(p, OPEN_FLAGS);
  } catch (err) {
    if (err.code === 'ENOENT') return { sha256: null, missing: true };
    const fileType = err.code === 'ELOOP' ? 'symlink' : 'file';
    return { sha256: null, finding: { path: p, fileType, reason: `open failed: ${err.code}` } };
  }
  try {
    // Swapped between lstat and open: the descriptor tells what was really opened.
    const fst = fs.fstatSync(fd);
    if (!fst.isFile())
      return {
        sha256: null,
        finding: { path: p, fileType: typeOf(fst), reason: 'swapped for a non-regular file while opening' },
      };
    const cap = Math.min(MAX_FILE_BYTES, budget.bytes);
    if (fst.size > cap)
      return { sha256: null, finding: { path: p, fileType: 'file', reason: `${fst.size} bytes, over the cap` } };
    const h = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const chunks = [];
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, READ_CHUNK, null);
      if (n === 0) break;
      total += n;
      // A file that grows while being read is still bounded by the cap.
      if (total > cap)
        return { sha256: null, finding: { path: p, fileType: 'file', reason: 'grew past the cap while read' } };
      h.update(buf.subarray(0, n));
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    budget.bytes -= total;
    return { sha256: h.digest('hex'), content: Buffer.concat(chunks, total) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The governance hash: SHA-256 over the sorted relative paths and contents, length-prefixed so no
 * two folders give the same byte stream. A symlink that stays inside the folder counts by its
 * link text (so changing it is a change); anything else that is not a regular file is a finding.
 */
export function hashGovernanceFolder(root) {
  const findings = [];
  let rootSt;
  try {
    rootSt = fs.lstatSync(root);
  } catch {
    return null;
  }
  if (!rootSt.isDirectory()) {
    findings.push({ path: root, fileType: typeOf(rootSt), reason: 'governance folder is not a directory' });
    return { hash: null, files: [], findings };
  }
  const entries = []; // [rel, kind, full]
  let truncated = false;
  const walk = (dir) => {
    let list;
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      findings.push({ path: dir, fileType: 'directory', reason: `readdir failed: ${err.code}` });
      return;
    }
    for (const e of list) {
      if (entries.length >= MAX_FOLDER_FILES) {
        truncated = true;
        return;
      }
      const full = path.join(dir, e.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) entries.push([rel, 'file', full]);
      else if (e.isSymbolicLink()) {
        let to;
        try {
          to = fs.readlinkSync(full);
        } catch {
          continue;
        }
        if (inside(root, path.resolve(dir, to))) entries.push([rel, `link:${to}`, full]);
        else findings.push({ path: full, fileType: 'symlink', reason: `symlink out of the folder to ${to}` });
      } else {
        let fileType = 'unknown';
        try {
          fileType = typeOf(fs.lstatSync(full));
        } catch {
          continue;
        }
        findings.push({ path: full, fileType, reason: 'not a regular file: never opened' });
      }
    }
  };
  walk(root);
  if (truncated)
    findings.push({ path: root, fileType: 'directory', reason: `over ${MAX_FOLDER_FILES} files: the rest not hashed` });
  // Byte order, not locale order: the hash must be the same on every machine.
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = crypto.createHash('sha256');
  const files = [];
  const budget = { bytes: MAX_FOLDER_BYTES };
  for (const [rel, kind, full] of entries) {
    if (kind !== 'file') {
      const text = kind.slice('link:'.length);
      files.push([rel, crypto.createHash('sha256').update(`link:${text}`).digest('hex')]);
      h.update(`${Buffer.byteLength(rel)}:${rel}\0L${Buffer.byteLength(text)}:${text}`);
      continue;
    }
    const r = hashRegularFile(full, budget);
    if (r.finding) findings.push(r.finding);
    if (r.sha256 === null) continue;
    files.push([rel, r.sha256]);
    h.update(`${Buffer.byteLength(rel)}:${rel}\0${r.content.length}:`);
    h.update(r.content);
  }
  return { hash: h.digest('hex'), files, findings };
}

/** Size, mtime and inode of every entry below `root`, from lstat alone: nothing is opened. */
export function scanFolder(root) {
  const entries = [];
  const findings = [];
  let rootSt;
  try {
    rootSt = fs.lstatSync(root);
  } catch {
    return { entries, findings };
  }
  if (!rootSt.isDirectory()) {
    findings.push({ path: root, fileType: typeOf(rootSt), reason: 'working folder is not a directory: not walked' });
    return { entries, findings };
  }
  let truncated = false;
  const walk = (dir) => {
    let list;
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      if (entries.length >= MAX_SCAN_ENTRIES) {
        truncated = true;
        return;
      }
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(full);
        continue;
      }
      let st;
      try {
        st = fs.lstatSync(full, { bigint: true });
      } catch {
        continue; // vanished between readdir and stat: it shows as absent
      }
      entries.push([path.relative(root, full), Number(st.size), st.mtimeNs.toString(), Number(st.ino)]);
      if (st.isSymbolicLink()) {
        let to = '';
        try {
          to = fs.readlinkSync(full);
        } catch {
          continue;
        }
        if (!inside(root, path.resolve(dir, to)))
          findings.push({ path: full, fileType: 'symlink', reason: `symlink out of the folder to ${to}: not followed` });
      } else if (!st.isFile())
        findings.push({ path: full, fileType: typeOf(st), reason: 'not a regular file: never opened' });
    }
  };
  walk(root);
  if (truncated)
    findings.push({ path: root, fileType: 'directory', reason: `over ${MAX_SCAN_ENTRIES} entries: footprint truncated` });
  return { entries, findings };
}

function handle(req) {
  if (req.op === 'integrity') {
    const governance = req.governanceFolder ? hashGovernanceFolder(req.governanceFolder) : null;
    const sentinels = req.sentinels.map((p) => {
      const r = hashRegularFile(p);
      return { path: p, sha256: r.sha256, finding: r.finding ?? null };
    });
    return { governance, sentinels };
  }
  if (req.op === 'scan') return { scans: req.roots.map((r) => scanFolder(r)) };
  if (req.op === 'sleep') {
    // Test hook: a check that never answers in time, without needing a hung filesystem.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, req.ms);
    return {};
  }
  if (req.op === 'block-open') {
    // Test hook: a check stuck in a kernel call, as a hung mount would leave it (open() of a FIFO
    // with no writer, without O_NONBLOCK: the one thing the real checks never do).
    fs.readFileSync(String(req.path));
    return {};
  }
  throw new Error(`unknown op ${req.op}`);
}

function answer(req) {
  try {
    return { id: req.id, ok: true, result: handle(req) };
  } catch (err) {
    return { id: req.id, ok: false, error: String(err?.stack ?? err) };
  }
}

// A child process of the engine (main/evidence/fs-worker.ts forks it): one stuck in a kernel call
// is killed and forgotten, where a stuck worker thread would hold the engine's exit forever. It
// ends with the engine: when the IPC channel closes, nothing is left to answer.
if (process.send) {
  process.on('message', (req) => process.send(answer(req)));
  process.on('disconnect', () => process.exit(0));
} else {
  parentPort?.on('message', (req) => parentPort.postMessage(answer(req)));
}
