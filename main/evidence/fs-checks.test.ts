/**
 * The file-check rules on real files: only regular files are opened; FIFOs, devices, sockets,
 * symlinks out of the folder and oversized files are findings; a check that misses its deadline
 * answers anyway, and the next check gets a fresh worker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkIntegrity, takeBaseline } from './integrity';
import { scanFolders } from './footprint';
import { askWorker, stopWorker } from './fs-worker';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fs-checks-'));

afterAll(async () => {
  await stopWorker();
});

async function listenSocket(p: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(p, r));
  return server;
}

describe('integrity: only regular files are read', () => {
  it('hashes regular files exactly as before (length-prefixed paths and contents)', async () => {
    const gov = tmp();
    fs.mkdirSync(path.join(gov, 'sub'));
    fs.writeFileSync(path.join(gov, 'b.txt'), 'two\n');
    fs.writeFileSync(path.join(gov, 'sub', 'a.txt'), 'one\n');
    const h = crypto.createHash('sha256');
    for (const [rel, c] of [
      ['b.txt', 'two\n'],
      ['sub/a.txt', 'one\n'],
    ] as const)
      h.update(`${Buffer.byteLength(rel)}:${rel}\0${Buffer.byteLength(c)}:`).update(c);
    const base = await takeBaseline(gov, []);
    expect(base.governanceHash).toBe(h.digest('hex'));
    expect(base.findings).toEqual([]);
  });

  it('names a FIFO, a device and a socket sentinel without opening them', async () => {
    const dir = tmp();
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const sock = path.join(dir, 'sock');
    const server = await listenSocket(sock);
    try {
      const t0 = performance.now();
      const base = await takeBaseline(null, [fifo, '/dev/zero', sock]);
      // A blocking open() of the FIFO would never return; a read of /dev/zero would never end.
      expect(performance.now() - t0).toBeLessThan(1500);
      expect(base.sentinels.map((s) => s.sha256)).toEqual([null, null, null]);
      expect(base.findings.map((f) => [f.code, f.path, f.fileType])).toEqual([
        ['INTEGRITY_UNREADABLE', fifo, 'fifo'],
        ['INTEGRITY_UNREADABLE', '/dev/zero', 'character device'],
        ['INTEGRITY_UNREADABLE', sock, 'socket'],
      ]);
    } finally {
      server.close();
    }
  });

  it('reports a sentinel swapped for a symlink to /dev/zero as changed and unreadable', async () => {
    const dir = tmp();
    const s = path.join(dir, 'SENTINEL');
    fs.writeFileSync(s, 'v1\n');
    const base = await takeBaseline(null, [s]);
    fs.rmSync(s);
    fs.symlinkSync('/dev/zero', s);
    const c = await checkIntegrity(base);
    expect(c.ok).toBe(false);
    expect(c.changed[0]).toContain(s);
    expect(c.changed[0]).toContain('symlink');
    expect(c.findings).toEqual([expect.objectContaining({ path: s, fileType: 'symlink' })]);
    expect(c.findings[0]?.reason).toContain('/dev/zero');
  });

  it('follows no symlink out of the governance folder; one inside counts by its link text', async () => {
    const gov = tmp();
    fs.writeFileSync(path.join(gov, 'policy.txt'), 'on\n');
    fs.symlinkSync('policy.txt', path.join(gov, 'alias'));
    fs.symlinkSync('/dev/zero', path.join(gov, 'zero'));
    fs.symlinkSync('/etc/passwd', path.join(gov, 'passwd'));
    const base = await takeBaseline(gov, []);
    expect(base.findings.map((f) => [path.basename(f.path), f.fileType]).sort()).toEqual([
      ['passwd', 'symlink'],
      ['zero', 'symlink'],
    ]);
    expect([...base.governanceFiles.keys()].sort()).toEqual(['alias', 'policy.txt']);
    fs.rmSync(path.join(gov, 'alias'));
    fs.symlinkSync('./policy.txt', path.join(gov, 'alias'));
    const c = await checkIntegrity(base);
    expect(c.changed).toEqual([`${gov}/alias`]);
  });

  it('does not read a sentinel over the size cap (a 5 GB sparse file)', async () => {
    const s = path.join(tmp(), 'big');
    fs.writeFileSync(s, '');
    fs.truncateSync(s, 5 * 1024 ** 3);
    const t0 = performance.now();
    const base = await takeBaseline(null, [s]);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(base.findings).toEqual([expect.objectContaining({ path: s, fileType: 'file' })]);
    expect(base.findings[0]?.reason).toContain('cap');
  });
});

describe('footprint scans', () => {
  it('lists special files and outside symlinks as findings and never walks a symlinked root', async () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'out.txt'), 'x');
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    fs.symlinkSync('/dev/zero', path.join(root, 'zero'));
    fs.symlinkSync('out.txt', path.join(root, 'inside'));
    const server = await listenSocket(path.join(root, 'sock'));
    const linkedRoot = path.join(tmp(), 'root');
    fs.symlinkSync('/', linkedRoot);
    try {
      const r = await scanFolders([root, linkedRoot]);
      expect([...(r.scans[0]?.keys() ?? [])].sort()).toEqual(['inside', 'out.txt', 'pipe', 'sock', 'zero']);
      expect(r.scans[1]?.size).toBe(0);
      expect(r.findings.map((f) => [path.basename(f.path), f.fileType]).sort()).toEqual([
        ['pipe', 'fifo'],
        ['root', 'symlink'],
        ['sock', 'socket'],
        ['zero', 'symlink'],
      ]);
      expect(r.findings.every((f) => f.code === 'FOOTPRINT_UNREADABLE')).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('the worker deadline', () => {
  it('answers "deadline missed" in time, and the next check gets a fresh worker', async () => {
    // A fake: a worker op that sleeps stands in for a check stuck on a hung filesystem.
    const t0 = performance.now();
    const a = await askWorker({ op: 'sleep', ms: 5000 }, 300);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.missed).toContain('deadline');
    const gov = tmp();
    fs.writeFileSync(path.join(gov, 'p'), 'x');
    const base = await takeBaseline(gov, []);
    expect(base.governanceHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the worker never keeps the process alive', () => {
  for (const stuck of ['0', '1'])
    it(`a process that used it exits on its own${stuck === '1' ? ', even after a missed deadline' : ''}`, () => {
      const root = path.resolve(import.meta.dirname, '..', '..');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['bin/run-ts.mjs', 'test/fixtures/fs-worker-exit.ts'], {
        cwd: root,
        env: { ...process.env, STUCK: stuck },
        timeout: 15_000,
        encoding: 'utf8',
      });
      expect(r.stdout).toContain('answered');
      expect(r.status).toBe(0);
      expect(performance.now() - t0).toBeLessThan(10_000);
    });
});
