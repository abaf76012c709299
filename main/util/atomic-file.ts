/**
 * Replace a file so that a reader sees either the old content or the new, never a half-written
 * file: write a temp file in the same folder, fsync it, rename it over the target, fsync the folder
 * so the rename itself survives a power cut.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

const tempPathFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

const toBuffer = (data: string | Buffer): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

function fsyncDirSync(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some filesystems refuse fsync on a directory (EINVAL/EISDIR); the rename already happened.
    if (!isDirSyncUnsupported(err)) throw err;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const isDirSyncUnsupported = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM';
};

/** Writes a complete, fsynced temp file beside `path`, hands it to `publish`, and always removes the temp name. */
function viaTempFile<T>(path: string, data: string | Buffer, mode: number, publish: (tmp: string) => T): T {
  const tmp = tempPathFor(path);
  const buf = toBuffer(data);
  const fd = openSync(tmp, 'wx', mode);
  let fdOpen = true;
  try {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    fdOpen = false;
    closeSync(fd);
    const out = publish(tmp);
    fsyncDirSync(dirname(path));
    return out;
  } finally {
    if (fdOpen) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already renamed away */
    }
  }
}

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  viaTempFile(path, data, mode, (tmp) => renameSync(tmp, path));
}

/**
 * Creates `path` whole, or not at all if it already exists (returns false then). Hard-linking the
 * finished temp file is the no-clobber rename: two processes racing to create the same file
 * cannot both win, and neither can leave it half-written.
 */
export function createFileAtomic(path: string, data: string | Buffer, mode = 0o644): boolean {
  return viaTempFile(path, data, mode, (tmp) => {
    try {
      linkSync(tmp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  });
}

export async function writeFileAtomicAsync(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(toBuffer(data));
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync().catch((err: unknown) => {
      if (!isDirSyncUnsupported(err)) throw err;
    });
  } finally {
    await dir.close();
  }
}
