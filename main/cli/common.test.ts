import { describe, expect, it } from 'vitest';
import { LabError } from '../util/errors';
import { EXIT, helpText, parseCommand, reportError, type CommandSpec } from './common';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a demo command',
  usage: '<file> [options]',
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', value: 'DIR', help: 'where to write' },
    tag: { type: 'string', multiple: true, help: 'a tag' },
    json: { type: 'boolean', help: 'JSON output' },
  },
};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

describe('parseCommand', () => {
  it('reads values, booleans and repeated flags', () => {
    const a = parseCommand(SPEC, ['f', '--out', 'd', '--tag=a', '--tag', 'b', '--json'], io().io);
    expect(a?.pos).toEqual(['f']);
    expect(a?.flags.get('out')).toBe('d');
    expect(a?.flags.get('json')).toBe(true);
    expect(a?.list('tag')).toEqual(['a', 'b']);
  });

  it('prints the help for --help or -h even beside a mistake, and returns null', () => {
    for (const argv of [['--help'], ['-h'], ['--bogus', '--help']]) {
      const o = io();
      expect(parseCommand(SPEC, argv, o.io)).toBeNull();
      expect(o.out.join('\n')).toBe(helpText(SPEC));
    }
    expect(helpText(SPEC)).toMatch(/--out DIR\s+where to write/);
    expect(helpText(SPEC)).toMatch(/-h, --help/);
  });

  it.each([
    [['f', '--otu', 'd'], /unknown option --otu for probe-lab demo; did you mean --out\?/],
    [['f', '--out'], /--out <value>' argument missing/],
    [['f', '--json=yes'], /does not take an argument/],
    [[], /missing argument/],
    [['f', 'g'], /unexpected argument "g"/],
  ])('refuses %j as USAGE', (argv, message) => {
    expect(() => parseCommand(SPEC, argv, io().io)).toThrow(message);
    try {
      parseCommand(SPEC, argv, io().io);
    } catch (err) {
      expect((err as LabError).code).toBe('USAGE');
    }
  });
});

describe('reportError', () => {
  it('maps a coded error to 2 and anything else to 4', () => {
    expect(reportError(io().io, new LabError('PLAN_INVALID', 'x'))).toBe(EXIT.REFUSED);
    expect(reportError(io().io, new TypeError('boom'))).toBe(EXIT.INTERNAL);
  });

  it('writes one JSON document on stdout with --json', () => {
    const o = io();
    reportError(o.io, new LabError('USAGE', 'bad', [{ path: 'p', code: 'c', message: 'm' }]), { json: true });
    expect(o.err).toEqual([]);
    expect(JSON.parse(o.out[0]!)).toEqual({
      error: { code: 'USAGE', message: 'bad', issues: [{ path: 'p', code: 'c', message: 'm' }] },
    });
  });
});
