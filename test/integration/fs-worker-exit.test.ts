/**
 * Issue 12: a file check stuck in a kernel call (here open() of a FIFO with no writer, standing in
 * for a hung mount) misses its deadline, and the engine still exits at once. With the checks in a
 * worker thread, Node joined the stuck thread on exit and the process never ended.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../main/util/paths';
import { tempDir } from './helpers';

it('a check stuck in the kernel misses its deadline and the engine still exits', () => {
  const dir = tempDir();
  const fifo = path.join(dir, 'sentinel');
  spawnSync('mkfifo', [fifo]);
  const script = path.join(dir, 'stuck.mts');
  const fsWorker = path.join(projectRoot(), 'main', 'evidence', 'fs-worker.ts');
  fs.writeFileSync(
    script,
    `import { askWorker } from ${JSON.stringify(fsWorker)};
const a = await askWorker({ op: 'block-open', path: ${JSON.stringify(fifo)} }, 300);
console.log(JSON.stringify(a));
process.exit(0);
`,
  );
  const r = spawnSync(process.execPath, [path.join(projectRoot(), 'bin', 'run-ts.mjs'), script], {
    encoding: 'utf8',
    // A held exit runs into this; a free one takes tsx's start-up plus the 300 ms deadline.
    timeout: 15_000,
  });
  expect(r.signal, `the engine did not exit: ${r.stderr}`).toBeNull();
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: false, missed: /deadline/ });
}, 30_000);
