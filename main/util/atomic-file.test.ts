import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileAtomic, writeFileAtomic, writeFileAtomicAsync } from './atomic-file';

const withTemp = async (fn: (dir: string) => Promise<void> | void): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('writeFileAtomic', () => {
  it('replaces content and leaves no temp file behind', () =>
    withTemp((dir) => {
      const p = join(dir, 'a.txt');
      writeFileSync(p, 'old');
      writeFileAtomic(p, 'new content', 0o600);
      expect(readFileSync(p, 'utf8')).toBe('new content');
      expect(statSync(p).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(['a.txt']);
    }));

  it('async version does the same with a Buffer', () =>
    withTemp(async (dir) => {
      const p = join(dir, 'b.bin');
      await writeFileAtomicAsync(p, Buffer.from([1, 2, 3]));
      expect([...readFileSync(p)]).toEqual([1, 2, 3]);
      expect(readdirSync(dir)).toEqual(['b.bin']);
    }));

  it('a failed write leaves the old file intact and cleans up its temp file', () =>
    withTemp((dir) => {
      const p = join(dir, 'missing-folder', 'c.txt');
      expect(() => writeFileAtomic(p, 'x')).toThrow();
      expect(readdirSync(dir)).toEqual([]);
    }));

  it('createFileAtomic creates a missing file once and never clobbers an existing one', () =>
    withTemp((dir) => {
      const p = join(dir, 'key.pem');
      expect(createFileAtomic(p, 'first', 0o600)).toBe(true);
      expect(createFileAtomic(p, 'second', 0o600)).toBe(false);
      expect(readFileSync(p, 'utf8')).toBe('first');
      expect(statSync(p).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(['key.pem']);
    }));

  it('a reader racing a writer process only ever sees a whole old or a whole new file', () =>
    withTemp(async (dir) => {
      const p = join(dir, 'race.txt');
      const big = (ch: string): string => ch.repeat(256 * 1024);
      writeFileAtomic(p, big('a'));
      const script = join(dir, 'writer.ts');
      writeFileSync(
        script,
        `import { writeFileAtomic } from ${JSON.stringify(fileURLToPath(new URL('./atomic-file.ts', import.meta.url)))};\n` +
          `for (let i = 0; i < 200; i++) writeFileAtomic(${JSON.stringify(p)}, (i % 2 ? 'a' : 'b').repeat(256 * 1024));\n`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
      const done = new Promise<number | null>((res) => child.on('exit', res));
      let reads = 0;
      let exited = false;
      void done.then(() => (exited = true));
      while (!exited) {
        const s = readFileSync(p, 'utf8');
        expect(s.length).toBe(256 * 1024);
        expect(s === big('a') || s === big('b')).toBe(true);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
      expect(await done).toBe(0);
      expect(reads).toBeGreaterThan(0);
    }));
});
