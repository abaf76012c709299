/**
 * A target that misbehaves on purpose with the files the lab checks: it swaps its sentinel for a
 * FIFO, a symlink to /dev/zero or a 5 GB sparse file, or drops a FIFO into the governance folder.
 * Each of these once froze the engine in open()/read() at the next pulse. Now the run must still
 * end by its max duration (+2 s), Halt must answer within 2 s, and the report must name the file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { ProbeRun } from '../../main/run/runner';
import { makePlan, newRun, tempDir, useTempHome, waitFor } from './helpers';

beforeAll(() => {
  useTempHome();
});

const MAX_DURATION_SEC = 6;
/** The promise of issue 12: a target cannot stretch the run past its max duration by more. */
const SLACK_MS = 2000;
/** The swap happens this long after the target starts: after the first pulse of the probe. */
const SWAP_AFTER_SEC = 1.5;

interface Case {
  name: string;
  /** Shell commands run by the target; $S is the sentinel, $G the governance folder. */
  swap: string;
  /** What the integrity anomaly must name. */
  path: (s: string, g: string) => string;
  fileType: string;
}

const CASES: Case[] = [
  { name: 'a FIFO sentinel', swap: 'rm -f "$S"; mkfifo "$S"; mkfifo pipe', path: (s) => s, fileType: 'fifo' },
  {
    name: 'a sentinel symlinked to /dev/zero',
    swap: 'rm -f "$S"; ln -s /dev/zero "$S"',
    path: (s) => s,
    fileType: 'symlink',
  },
  { name: 'a 5 GB sparse sentinel', swap: 'truncate -s 5G "$S"', path: (s) => s, fileType: 'file' },
  {
    name: 'a FIFO in the governance folder',
    swap: 'mkfifo "$G/pipe"',
    path: (_s, g) => path.join(g, 'pipe'),
    fileType: 'fifo',
  },
];

function hostileRun(c: Case): { run: ProbeRun; sentinel: string; gov: string } {
  const gov = tempDir('hostile-gov-');
  fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode on\n');
  const sentinel = path.join(tempDir('hostile-sentinel-'), 'SENTINEL');
  fs.writeFileSync(sentinel, 'v1\n');
  const plan = makePlan({
    allowlist: ['/bin/sh'],
    run: { maxDurationSec: MAX_DURATION_SEC },
    governance: { folder: gov, sentinels: [sentinel] },
    pulses: { cadenceSec: 2, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 1 },
    targets: [
      {
        id: 'hostile',
        kind: 'agent',
        command: '/bin/sh',
        args: ['-c', `sleep ${SWAP_AFTER_SEC}; ${c.swap}; echo swapped; sleep 60`],
        env: { S: sentinel, G: gov },
        health: { type: 'alive' },
      },
    ],
  });
  return { run: newRun(plan, tempDir()), sentinel, gov };
}

const started = (run: ProbeRun) =>
  run.events.find((e) => e.kind === 'target' && e.message.includes('started'))?.at;

describe('a target that tampers with the files the lab checks cannot freeze the engine', () => {
  for (const c of CASES) {
    it(`${c.name}: the run ends by its max duration and the report names the file`, async () => {
      const { run, sentinel, gov } = hostileRun(c);
      const result = await run.run();
      const t0 = started(run);
      expect(t0).toBeDefined();
      const overMs = (run.endedAt ?? Infinity) - (t0 ?? 0) - MAX_DURATION_SEC * 1000;
      console.log(`${c.name}: run ended ${overMs} ms after its max duration`);
      expect(overMs).toBeLessThanOrEqual(SLACK_MS);
      const unreadable = run.anomalies.find(
        (a) => a.code === 'INTEGRITY_UNREADABLE' && a.message.includes(c.path(sentinel, gov)),
      );
      expect(unreadable?.message).toContain(`(${c.fileType})`);
      expect(unreadable?.severity).toBe('critical');
      expect(result.verdict).toBe('FAIL');
      const report = fs.readFileSync(result.report.markdown, 'utf8');
      expect(report).toContain('INTEGRITY_UNREADABLE');
      expect(report).toContain(c.path(sentinel, gov));
      // The lab's own work is reported apart, and it never made a pulse late.
      expect(report).toContain('| lab work |');
      expect(run.pulses.filter((p) => p.latencyClass === 'critical')).toEqual([]);
      if (c.name === 'a FIFO sentinel')
        expect(
          run.anomalies.some((a) => a.code === 'FOOTPRINT_UNREADABLE' && a.message.includes('pipe')),
        ).toBe(true);
    });

    it(`${c.name}: Halt answers within 2 s after the swap`, async () => {
      const { run, sentinel, gov } = hostileRun(c);
      const done = run.run();
      await waitFor(
        () =>
          run.anomalies.some(
            (a) => a.code === 'INTEGRITY_UNREADABLE' && a.message.includes(c.path(sentinel, gov)),
          ),
        MAX_DURATION_SEC * 1000,
        'the integrity finding',
      );
      const t0 = performance.now();
      await run.halt();
      const haltMs = performance.now() - t0;
      const result = await done;
      const endMs = performance.now() - t0;
      console.log(
        `${c.name}: halt answered in ${Math.round(haltMs)} ms, run ended ${Math.round(endMs)} ms after`,
      );
      expect(haltMs).toBeLessThan(2000);
      expect(endMs).toBeLessThan(2000 + SLACK_MS);
      expect(result.verdict).toBe('HALTED');
    });
  }
});
