/**
 * What every command shares: the exit-code table, the output channel, the one strict flag parser
 * (node's util.parseArgs), help text, did-you-mean, and the one error reporter.
 *
 * util.parseArgs rather than commander: each command keeps its own dispatch and body, and needs
 * only a strict table of options, so a dependency that would own dispatch, help and exits would
 * bring more to merge than it removes. parseArgs's errors are rewritten here into coded USAGE
 * errors with suggestions, which commander would need hooks for as well.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabError, toCodedError } from '../util/errors';
import { didYouMeanText } from '../util/suggest';
import { escapeTerminalText } from '../util/escape';

/** Exit codes of every command; `--help` and the README print the table below. */
export const EXIT = {
  PASS: 0,
  FAIL: 1,
  REFUSED: 2,
  HALTED: 3,
  INTERNAL: 4,
  INCOMPLETE: 5,
  CLOSED_PIPE: 141,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.PASS, 'pass: the probe passed, every threshold held, the report verified'],
  [EXIT.FAIL, 'failed: a threshold failed, a report did not verify, the lab kernel is not ready'],
  [EXIT.REFUSED, 'usage error, invalid input or refused; the coded error says which'],
  [EXIT.HALTED, 'halted: the probe was stopped before its end (Ctrl-C, SIGTERM, guard rail)'],
  [EXIT.INTERNAL, 'internal error (code INTERNAL): a bug in probe-lab, never a verdict'],
  [EXIT.INCOMPLETE, 'incomplete: thresholds held but evidence is missing (no burst while the tasks ran)'],
  [EXIT.CLOSED_PIPE, 'stdout was closed early (`| head`): output stops quietly, 128 + SIGPIPE'],
];

export const EXIT_SUMMARY =
  'exit codes: 0 pass, 1 failed, 2 usage or refused, 3 halted, 4 internal error, 5 incomplete';

/** The exit code of a run's verdict. */
export function exitForVerdict(verdict: string): ExitCode {
  if (verdict === 'INCOMPLETE') return EXIT.INCOMPLETE;
  return verdict === 'PASS' ? EXIT.PASS : verdict === 'HALTED' ? EXIT.HALTED : EXIT.FAIL;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The unescaped channel under a terminal-safe one, for output that escapes its own text. */
  raw?: Io;
}

let stdoutClosed = false;

/** Escaped here too (idempotent), so even the crash path below never writes a raw ESC. */
export const defaultIo: Io = {
  out: (s) => {
    if (!stdoutClosed) process.stdout.write(`${escapeTerminalText(s)}\n`);
  },
  err: (s) => {
    if (!process.stderr.destroyed) process.stderr.write(`${escapeTerminalText(s)}\n`);
  },
};

/** The version in package.json (main/cli and out/main both sit two levels below the root). */
export function packageVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * For the bin entry only: a reader that closes the pipe (`probe-lab plans | head -1`) ends output
 * quietly instead of with an EPIPE stack trace, and anything thrown outside a command exits 4.
 *
 * A closed stdout is what SIGPIPE means to a C tool: stop. A command that owns running processes
 * (run, serve) listens for SIGTERM and halts them cleanly, so it gets SIGTERM's path rather than an
 * abrupt exit that would orphan its targets; any other command ends at once with 128 + SIGPIPE.
 */
export function installProcessGuards(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (stdoutClosed) return;
    stdoutClosed = true;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM');
    else process.exit(EXIT.CLOSED_PIPE);
  });
  // A closed stderr leaves nowhere to say anything; keep going rather than crash over it.
  process.stderr.on('error', () => {});
  const crash = (err: unknown): void => {
    process.exitCode = reportError(defaultIo, err, { json: process.argv.includes('--json') });
    process.exit();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for the value in help, e.g. DIR. */
  value?: string;
  short?: string;
  /** Repeatable: every value is kept, in order. */
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  /** The words after `probe-lab`, e.g. `run` or `plan check`. */
  name: string;
  summary: string;
  /** What follows the name in the usage line, e.g. `<plan> --confirm <plan-id> [options]`. */
  usage: string;
  positionals: { min: number; max: number };
  options: Record<string, OptionSpec>;
  /** Paragraphs printed after the options. */
  notes?: string[];
}

export interface Args {
  pos: string[];
  /** The last value of each flag given; `true` for a boolean flag. */
  flags: Map<string, string | true>;
  /** Every value of a repeatable flag, in order. */
  list(name: string): string[];
  /** A flag's value as a finite number within bounds; USAGE otherwise. */
  number(name: string, bounds?: { min?: number; max?: number; integer?: boolean }): number | undefined;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help and exit' };

function optionLabel(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
}

export function helpText(spec: CommandSpec): string {
  const options = { ...spec.options, help: HELP_OPTION };
  const labels = Object.entries(options).map(([n, o]) => [optionLabel(n, o), o] as const);
  const width = Math.max(...labels.map(([l]) => l.length));
  return [
    `probe-lab ${spec.name}: ${spec.summary}`,
    '',
    `usage: probe-lab ${spec.name} ${spec.usage}`.trimEnd(),
    '',
    'options:',
    ...labels.map(([l, o]) => `  ${l.padEnd(width)}  ${o.help}${o.multiple ? ' (repeatable)' : ''}`),
    ...(spec.notes ?? []).flatMap((n) => ['', n]),
    '',
    EXIT_SUMMARY,
  ].join('\n');
}

/** Appended to usage errors so the person knows where the full list is. */
export function seeHelp(name: string): string {
  return `(see: probe-lab ${name} --help)`;
}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function nodeOptions(spec: CommandSpec): NodeOptions {
  const out: NodeOptions = {};
  for (const [n, o] of Object.entries({ ...spec.options, help: HELP_OPTION }))
    out[n] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  return out;
}

/**
 * Parses a command's arguments strictly against its option table. Prints the help and returns
 * null for `--help`/`-h` (whatever else is on the line); throws USAGE, with a suggestion where one
 * is close, for an unknown option, a missing or extra value, or a wrong count of arguments.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[], io: Io): Args | null {
  const options = nodeOptions(spec);
  // A lenient pass first: --help wins over any mistake on the line, and unknown options are
  // found with their spelling intact, to suggest from.
  const loose = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  if (loose.values.help === true) {
    io.out(helpText(spec));
    return null;
  }
  for (const t of loose.tokens ?? []) {
    if (t.kind !== 'option' || t.name in options) continue;
    const candidates = Object.entries(options).flatMap(([n, o]) => [
      `--${n}`,
      ...(o.short ? [`-${o.short}`] : []),
    ]);
    throw new LabError(
      'USAGE',
      `unknown option ${t.rawName} for probe-lab ${spec.name}${didYouMeanText(t.rawName, candidates)} ${seeHelp(spec.name)}`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new LabError('USAGE', `${(err as Error).message} ${seeHelp(spec.name)}`);
  }
  const pos = parsed.positionals;
  const { min, max } = spec.positionals;
  const line = `probe-lab ${spec.name} ${spec.usage}`.trimEnd();
  if (pos.length < min)
    throw new LabError('USAGE', `missing argument(s); usage: ${line} ${seeHelp(spec.name)}`);
  if (pos.length > max)
    throw new LabError('USAGE', `unexpected argument "${pos[max]}"; usage: ${line} ${seeHelp(spec.name)}`);
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const flags = new Map<string, string | true>();
  for (const [n, v] of Object.entries(values)) {
    if (v === true) flags.set(n, true);
    else if (typeof v === 'string') flags.set(n, v);
    else if (Array.isArray(v) && v.length > 0) flags.set(n, v[v.length - 1]!);
  }
  return {
    pos,
    flags,
    list: (name) => {
      const v = values[name];
      return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
    },
    number: (name, bounds = {}) => {
      const v = flags.get(name);
      if (v === undefined) return undefined;
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const { min = -Infinity, max = Infinity, integer = false } = bounds;
      if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
        const range = `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`;
        throw new LabError('USAGE', `--${name} needs ${range}, got "${String(v)}" ${seeHelp(spec.name)}`);
      }
      return n;
    },
  };
}

/** A command word that is not one of `choices`: USAGE, with the closest choice suggested. */
export function unknownCommand(
  what: string,
  word: string,
  choices: readonly string[],
  help: string,
): LabError {
  return new LabError('USAGE', `unknown ${what} "${word}"${didYouMeanText(word, choices)} (see: ${help})`);
}

/** Whether the person asked for JSON output (errors then come as JSON too). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** The exit code for anything thrown: a coded error is a refusal (2), anything else a bug (4). */
export function exitForError(err: unknown): ExitCode {
  return toCodedError(err).code === 'INTERNAL' ? EXIT.INTERNAL : EXIT.REFUSED;
}

/**
 * The one error reporter. Text goes to stderr. With `--json`, the error is one JSON document on
 * stdout, where the command's result would have been: `{"error":{"code","message","issues"}}`.
 */
export function reportError(io: Io, err: unknown, opts: { json?: boolean } = {}): ExitCode {
  const e = toCodedError(err);
  if (opts.json) {
    io.out(JSON.stringify({ error: { code: e.code, message: e.message, issues: e.issues ?? [] } }));
    return exitForError(err);
  }
  io.err(`probe-lab: ${e.code}: ${e.message}`);
  for (const i of e.issues ?? []) io.err(`  - ${i.path}: [${i.code}] ${i.message}`);
  if (e.code === 'INTERNAL') {
    if (process.env.PROBE_LAB_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    else io.err('probe-lab: this is a bug in probe-lab; PROBE_LAB_DEBUG=1 prints its stack trace');
  }
  return exitForError(err);
}
