/**
 * The bundled guest script (resources/lab-kernel/stresstest) run by this machine's busybox, the
 * same binary the initramfs packs: its output parses, the audit reads the repetitions, the
 * results v1 document validates and the report section shows each suite. (/fill does not exist on
 * the host, so the suites that fill memory are left to the QEMU integration test.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStresstestOutput } from '../../scoring/stresstest-output';
import { parseResults } from '../../scoring/results';
import { stresstestMarkdown } from '../../reports/stresstest-md';
import { resourcesDir } from '../../util/paths';
import { auditStresstest, stresstestResults, type SuiteRecord } from './results';
import { stresstestCommandLine } from './driver';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
const SCRIPT = path.join(resourcesDir(), 'lab-kernel', 'stresstest');

function guest(args: string[]): string {
  const r = spawnSync(BUSYBOX!, ['sh', SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });
  return r.stdout;
}

function record(label: string, repetition: number, args: string[]): SuiteRecord {
  const text = guest(args);
  const parsed = parseStresstestOutput(text);
  return {
    targetId: 'host-busybox',
    suite: label,
    label,
    repetition,
    command: `stresstest ${args.join(' ')}`,
    at: Date.now(),
    ms: 0,
    lines: text.split('\n'),
    output: parsed.ok ? parsed.value : null,
    error: parsed.ok ? null : parsed.error.message,
  };
}

describe.skipIf(!BUSYBOX)('the bundled stresstest script under busybox', () => {
  it('prints measured, parseable learning, redteam and chaos results that vary between runs', () => {
    const records = [1, 2].flatMap((rep) => [
      record('learning', rep, ['learning', '--episodes', '3']),
      record('redteam', rep, ['redteam', '--duration', '600']),
      record('chaos', rep, ['chaos', '--duration', '800', '--fail-rate', '30']),
    ]);
    for (const r of records) expect(r.error, r.label).toBeNull();
    const learning = records.filter((r) => r.label === 'learning').map((r) => r.output!);
    expect(learning[0]!.metrics.episode_rewards).toHaveLength(3);
    expect(learning[0]!.metrics.total_rewards).not.toBe(learning[1]!.metrics.total_rewards);
    const red = records.find((r) => r.label === 'redteam')!.output!;
    // busybox really accepts some malformed input (an overflowing literal, INT_MIN / -1).
    expect(red.metrics.attacks_failed).toBeGreaterThan(0);
    expect(red.metrics.attacks_run).toBe(
      (red.metrics.attacks_survived as number) + (red.metrics.attacks_failed as number),
    );
    const chaos = records.find((r) => r.label === 'chaos')!.output!;
    expect(chaos.events.length).toBeGreaterThan(0);
    expect(chaos.metrics.total_events).toBe(chaos.events.length);

    const audit = auditStresstest(records, 2);
    expect(audit.groups.map((g) => g.runs)).toEqual([2, 2, 2]);
    // The printed totals add up: no arithmetic finding on honest output.
    const codes = audit.groups.flatMap((g) => g.findings.map((f) => f.code));
    expect(codes).not.toContain('ARITHMETIC_MISMATCH');
    expect(codes).not.toContain('IDENTICAL_SEQUENCE');

    const doc = stresstestResults({
      runId: 'r1',
      planId: 'p1',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      seed: undefined,
      halted: false,
      records,
    });
    expect(parseResults(doc).ok).toBe(true);
    expect(doc.verdict).toBe('PASS');
    expect(doc.samples!['stresstest.host-busybox.learning.total_rewards']).toHaveLength(2);

    const md = stresstestMarkdown({ runs: records, audit }).join('\n');
    expect(md).toContain('| host-busybox | learning | 1 |');
    expect(md).toContain('### Stub audit');
  });

  it('replays a chaos schedule from its seed, and refuses options that are not whole numbers', () => {
    const a = parseStresstestOutput(guest(['chaos', '--duration', '300', '--seed', '42']));
    const b = parseStresstestOutput(guest(['chaos', '--duration', '300', '--seed', '42']));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    const names = (o: typeof a.value) => o.events.map((e) => `${e.name} ${e.detail}`);
    const n = Math.min(a.value.events.length, b.value.events.length);
    expect(names(a.value).slice(0, n)).toEqual(names(b.value).slice(0, n));
    expect(a.value.config.seed).toBe(42);
    expect(guest(['memory', '--duration', 'abc'])).toMatch(/needs a whole number/);
    expect(stresstestCommandLine('chaos', { seed: 7 })).toBe('stresstest chaos --seed 7');
  });
});
