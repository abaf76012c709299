/**
 * The run command as a terminal and a CI job see it: the live view through a real pty (redraws,
 * the bar and fields, NO_COLOR), the heartbeat on a pipe, and the --junit/--ndjson/--csv/
 * --summary-export files of a real quick-concurrency run through the real CLI.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { tempDir, useTempHome } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
const COLS = 72;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  useTempHome();
  env = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
});

function inPty(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = pty.spawn(process.execPath, [BIN, ...args], {
      cols: COLS,
      rows: 30,
      env: { ...env, TERM: 'xterm-256color', ...extraEnv } as Record<string, string>,
    });
    let out = '';
    p.onData((d) => (out += d));
    p.onExit(({ exitCode }) => resolve({ code: exitCode, out }));
  });
}

function piped(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; times: number[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t0 = Date.now();
    const times: number[] = [];
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      times.push(Date.now() - t0);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, times }));
  });
}

const SGR = /\x1b\[[0-9;]*m/;
const ANY_CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * A small XML well-formedness check (no XML parser is installed and xmllint is not on the box):
 * every tag closes in order, attributes are quoted, CDATA and the declaration are skipped.
 */
function wellFormedXml(xml: string): { ok: boolean; why?: string } {
  const body = xml.replace(/<\?xml[^?]*\?>/, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    if (/[<>]/.test(body.slice(last, m.index))) return { ok: false, why: `stray < or > before ${m[0]}` };
    last = m.index + m[0].length;
    if (m[1]) {
      if (stack.pop() !== m[2]) return { ok: false, why: `mismatched </${m[2]}>` };
    } else if (!m[4]) stack.push(m[2]!);
  }
  if (/[<>]/.test(body.slice(last))) return { ok: false, why: 'stray < or > at the end' };
  return stack.length ? { ok: false, why: `unclosed <${stack.at(-1)}>` } : { ok: true };
}

describe('run: live view and outputs', () => {
  it('redraws a status block in place on a TTY, in colour, within the width; NO_COLOR removes colour', async () => {
    const dir = tempDir();
    const run = (out: string, e: Record<string, string> = {}) =>
      inPty(['run', 'quick-concurrency', '--confirm', 'quick-concurrency', '--out', path.join(dir, out)], e);
    const [colour, plain] = await Promise.all([run('a'), run('b', { NO_COLOR: '1' })]);
    for (const r of [colour, plain]) {
      expect([0, 1, 3]).toContain(r.code);
      // Redraws: cursor up and erase down, more than once.
      expect(r.out.match(/\x1b\[\d+A\r\x1b\[J/g)?.length ?? 0).toBeGreaterThan(2);
      expect(r.out).toMatch(/[█░]{10,}/);
      const text = r.out.replace(ANY_CSI, '');
      for (const field of ['targets alive', 'last pulse #', 'TES so far', 'host CPU', 'RAM', 'left at most'])
        expect(text).toContain(field);
      expect(text).toMatch(/\d\d:\d\d \/ 00:45 +\d+%/);
      expect(text).toContain('METRICS');
      expect(text).toMatch(/pulse latency \.+ +\d+ +[\d.]+ m?s/);
      expect(text).toMatch(/[✓✗] pulse latency/);
      // Live lines (the block and what scrolls above it) never wrap.
      for (const line of text.split(/\r?\n|\r/))
        if (/targets alive|last pulse|host CPU|^\[\d\d:\d\d/.test(line))
          expect([...line].length, line).toBeLessThanOrEqual(COLS);
    }
    expect(colour.out).toMatch(SGR);
    expect(plain.out).not.toMatch(SGR);
  }, 180_000);

  it('writes valid JUnit, NDJSON, CSV and summary files from a real quick run', async () => {
    const dir = tempDir();
    const f = (n: string) => path.join(dir, 'ci', n);
    const r = await piped([
      'run',
      'quick-concurrency',
      '--confirm',
      'quick-concurrency',
      '--out',
      path.join(dir, 'reports'),
      '--junit',
      f('junit.xml'),
      '--ndjson',
      f('run.ndjson'),
      '--csv',
      f('series.csv'),
      '--summary-export',
      f('summary.json'),
    ]);
    expect([0, 1, 3], r.stderr).toContain(r.code);
    expect(r.stdout).not.toMatch(SGR);
    expect(r.stdout).toMatch(/^verdict: (PASS|FAIL|HALTED)/m);

    const summary = JSON.parse(fs.readFileSync(f('summary.json'), 'utf8')) as {
      metrics: Record<string, { unit: string; values: Record<string, number | null> }>;
      thresholds: Record<string, { ok: boolean; value: number | null; unit: string | null }>;
    };
    const names = Object.keys(summary.thresholds);
    expect(names).toContain('pulse latency');
    expect(summary.thresholds['pulse latency']!.unit).toBe('ms');
    expect(typeof summary.thresholds['pulse latency']!.value).toBe('number');
    expect(summary.metrics.pulse_latency!.values.count).toBeGreaterThanOrEqual(2);
    expect(summary.metrics.pulse_latency!.values).toHaveProperty('p(95)');

    const xml = fs.readFileSync(f('junit.xml'), 'utf8');
    expect(wellFormedXml(xml)).toEqual({ ok: true });
    expect((xml.match(/<testcase /g) ?? []).length).toBeGreaterThanOrEqual(names.length);
    for (const [name, t] of Object.entries(summary.thresholds)) {
      expect(xml).toContain(`name="${name}"`);
      if (!t.ok) expect(xml).toMatch(new RegExp(`name="${name}"[^>]*>\\s*<failure message="measured `));
    }

    const lines = fs.readFileSync(f('run.ndjson'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((l) => JSON.parse(l) as { type: string });
    expect(records.filter((x) => x.type === 'pulse').length).toBe(
      summary.metrics.pulse_latency!.values.count,
    );
    expect(records.some((x) => x.type === 'sample')).toBe(true);
    expect(records.at(-1)!.type).toBe('run.end');

    const csv = fs.readFileSync(f('series.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^elapsed_ms,time,kind,seq,/);
    const kinds = csv.slice(1).map((l) => l.split(',')[2]);
    expect(kinds).toContain('pulse');
    expect(kinds).toContain('sample');
  }, 120_000);

  it('prints a heartbeat line on a pipe after 10 s of silence; a failing output does not break the run', async () => {
    const dir = tempDir();
    const plan = path.join(dir, 'plan.json');
    // One worker for 16 s, pulses far apart: nothing else to print between 1 s and 16 s.
    fs.writeFileSync(
      plan,
      JSON.stringify({
        id: 'quiet-plan',
        title: 'Quiet plan',
        kind: 'concurrency',
        allowlist: ['workload-agent'],
        targets: [{ id: 'w', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '16'], count: 1 }],
        run: { maxDurationSec: 40 },
        pulses: { cadenceSec: 30, burst: { count: 1, spacingSec: 1 } },
        snapshots: { cadenceSec: 2 },
        thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
      }),
    );
    // /dev/full fails every write with ENOSPC: a real failing output, which must not break the run.
    const r = await piped([
      'run',
      plan,
      '--confirm',
      'quiet-plan',
      '--out',
      path.join(dir, 'r'),
      '--ndjson',
      '/dev/full',
    ]);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(r.stderr).toMatch(/output failed \(the run went on\): ndjson \/dev\/full: .*ENOSPC/);
    expect(r.stdout).toMatch(/^signed report: /m);
    expect(r.stdout).toMatch(/^\[00:1\d\/00:40\] running: targets alive 1\/1, host cpu \d+% ram \d+%/m);
  }, 90_000);

  it('refuses an output path it cannot write before anything runs (exit 2)', async () => {
    const dir = tempDir();
    const r = await piped([
      'run',
      'quick-concurrency',
      '--confirm',
      'quick-concurrency',
      '--out',
      dir,
      '--junit',
      dir,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/USAGE: --junit .*: is a folder, not a file/);
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
  }, 30_000);
});
