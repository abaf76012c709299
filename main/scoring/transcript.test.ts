import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanLines, isNoiseLine, parseTranscript } from './transcript';

const SEED = fileURLToPath(new URL('../../test/fixtures/seed002/', import.meta.url));
const seed = (name: string): string => readFileSync(`${SEED}${name}.txt`, 'utf8');

const MEMORY = seed('baseline-memory');
const CHAOS = seed('baseline-chaos');

function only(text: string) {
  const t = parseTranscript(text);
  expect(t.suites).toHaveLength(1);
  return t.suites[0]!;
}

describe('parseTranscript: real console noise', () => {
  it('reads a clean seed 002 block the same as the suite parser', () => {
    const s = only(MEMORY);
    expect(s.suite).toBe('memory');
    expect(s.command).toBe('stresstest memory');
    expect(s.truncated).toBe(false);
    expect(s.output.metrics).toEqual({ peak_pressure: 100, oom_events: 4, compaction_triggers: 0 });
  });

  it('strips ANSI colour, cursor and title sequences', () => {
    const coloured = MEMORY.replace(
      '=== Memory Stress Test ===',
      '\x1b[1;36m=== Memory Stress Test ===\x1b[0m',
    )
      .replace('Peak Pressure: 100%', 'Peak Pressure: \x1b[31m100%\x1b[0m\x1b[K')
      .replace('sis>', '\x1b]0;qemu\x07\x1b[33msis>\x1b[0m');
    const s = only(coloured);
    expect(s.output.metrics.peak_pressure).toBe(100);
    expect(s.output.units.peak_pressure).toBe('%');
    expect(s.command).toBe('stresstest memory');
  });

  it('reads CRLF line ends, carriage-return redraws and backspaces as the terminal showed them', () => {
    const crlf = MEMORY.replace(/\n/g, '\r\n').replace('  OOM Events: 4', '  OOM Events: 9\r  OOM Events: 4');
    expect(only(crlf).output.metrics.oom_events).toBe(4);
    expect(cleanLines('Peak Pressure: 19\b00%')).toEqual(['Peak Pressure: 100%']);
  });

  it("drops other subsystems' log lines interleaved with the suite's own", () => {
    const lines = MEMORY.split('\n');
    const noisy = lines
      .flatMap((l, i) => [
        l,
        i % 2 === 0 ? `[   ${i}.123456] virtio_net: tx queue ${i}: 12` : `[NET] rx: ${i} packets`,
      ])
      .concat(['2026-11-30T10:00:00Z INFO telemetry: 64 records', 'sshd[42]: accepted key', 'heartbeat: 7']);
    const t = parseTranscript(noisy.join('\n'));
    expect(t.suites[0]!.output.metrics).toEqual({
      peak_pressure: 100,
      oom_events: 4,
      compaction_triggers: 0,
    });
    expect(t.noiseLines).toBeGreaterThanOrEqual(lines.length);
    expect(isNoiseLine('[SAFETY] PANIC: x')).toBe(false);
    expect(isNoiseLine('[CHAOS] Memory spike')).toBe(false);
    expect(isNoiseLine('[    1.000000] kernel: ok')).toBe(true);
  });

  it('cuts several suites in one file at their prompts, and at headers when no prompt shows', () => {
    const learning = seed('baseline-learning');
    const withPrompts = [MEMORY, learning, CHAOS].join('\nsis> \n');
    expect(parseTranscript(withPrompts).suites.map((s) => s.suite)).toEqual(['memory', 'learning', 'chaos']);
    const headersOnly = [MEMORY, learning, CHAOS].map((t) => t.replace(/^sis> .*\n/m, '')).join('\n');
    const t = parseTranscript(headersOnly);
    expect(t.suites.map((s) => s.suite)).toEqual(['memory', 'learning', 'chaos']);
    expect(t.suites[2]!.output.events).toHaveLength(7 * 38);
  });

  it('ends a suite at another command typed at the prompt, and keeps a log line printed after the prompt', () => {
    const text = `${MEMORY}\nsis> uptime\nup 12 s\nPeak Pressure: 3%\nsis> [CHAOS] stray\n`;
    const s = only(text);
    expect(s.output.metrics.peak_pressure).toBe(100);
  });

  it('marks a run cut off before its summary as truncated, and keeps the complete runs before it', () => {
    const cut = `${MEMORY}\nsis> stresstest chaos\n=== Chaos Engineering Stress Test ===\nDuration: 10000 ms\n[CHAOS] Telemetry storm\n[CHAOS] Comm`;
    const t = parseTranscript(cut);
    expect(t.suites.map((s) => [s.suite, s.truncated])).toEqual([
      ['memory', false],
      ['chaos', true],
    ]);
    const nothing = parseTranscript('sis> stresstest memory\n=== Memory Stress Test ===\n');
    expect(nothing.suites).toEqual([]);
    expect(nothing.skipped).toEqual([{ line: 1, reason: 'stresstest memory: cut off before any result' }]);
  });

  it('keeps both sides of a compare in one run, even though each side prints a header', () => {
    const t = parseTranscript(`${MEMORY}\n${seed('baseline-compare-memory')}`);
    expect(t.suites.map((s) => s.suite)).toEqual(['memory', 'compare memory']);
    const cmp = t.suites[1]!;
    expect(cmp.truncated).toBe(false);
    expect(cmp.output.sides?.off.metrics.oom_events).toBe(4);
    expect(cmp.output.comparison?.on).toBeDefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const t = parseTranscript(s);
        expect(Array.isArray(t.suites)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
