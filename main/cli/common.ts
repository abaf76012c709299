/**
 * What every command shares: exit codes, the output channel, the flag parser, the error reporter.
 */
import { LabError, toCodedError } from '../util/errors';

export const EXIT = { PASS: 0, FAIL: 1, REFUSED: 2, HALTED: 3 } as const;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};

/** Minimal flag parser: --name value and boolean --flag; everything else positional. */
export function parseFlags(
  argv: string[],
  booleans: string[] = [],
): { pos: string[]; flags: Map<string, string | true> } {
  const pos: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags.set(name, inline);
      else if (booleans.includes(name)) flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new LabError('USAGE', `--${name} needs a value`);
        flags.set(name, v);
        i++;
      }
    } else pos.push(a);
  }
  return { pos, flags };
}

export function reportError(io: Io, err: unknown): number {
  const e = toCodedError(err);
  io.err(`probe-lab: ${e.code}: ${e.message}`);
  for (const i of e.issues ?? []) io.err(`  - ${i.path}: [${i.code}] ${i.message}`);
  return e.code === 'INTERNAL' ? EXIT.FAIL : EXIT.REFUSED;
}
