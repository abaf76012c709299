/**
 * Raw console transcripts of seed 002's `stresstest` shell, as people actually save them: terminal
 * colour codes, CRLF line ends and carriage-return redraws, `sis>` prompts, log lines of other
 * subsystems interleaved with the suite's output, runs cut off before their summary, and several
 * suites one after the other. This cleans the text and cuts it into one block per suite run, each
 * parsed by `parseStresstestOutput`; a block that cannot be parsed is listed, never guessed at.
 */
import type { CodedError } from '../util/errors';
import { parseStresstestOutput, type StresstestOutput } from './stresstest-output';

export interface TranscriptSuite {
  /** 1-based line of the block's first line (its prompt or header) in the file. */
  line: number;
  /** The `stresstest ...` command typed at the prompt, when the transcript shows it. */
  command: string | null;
  /** Suite name for grouping: `memory`, `chaos`, ..., `compare memory`. */
  suite: string;
  output: StresstestOutput;
  /** The block ended before its summary (`[STRESS TEST] ... complete`): its numbers are partial. */
  truncated: boolean;
}

export interface TranscriptSkip {
  line: number;
  reason: string;
}

export interface Transcript {
  suites: TranscriptSuite[];
  /** Blocks that looked like a suite run but held nothing the parser recognises. */
  skipped: TranscriptSkip[];
  /** Lines dropped as other subsystems' logs or terminal noise. */
  noiseLines: number;
}

// ECMA-48 control sequences: CSI (colours, cursor moves), OSC (window titles) and two-byte escapes.
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const CONTROL_RE = /[\x00-\x08\x0b-\x1f\x7f]/g;
const BACKSPACE_RE = /[^\x08]\x08/;

/** Tags the suites themselves print; any other `[TAG]` line is another subsystem's log. */
const SUITE_TAGS = new Set([
  'SAFETY',
  'CHAOS',
  'AI',
  'MEMORY',
  'MULTI',
  'STRESS TEST',
  'COMPARE',
  'LEARNING',
  'REDTEAM',
  'RED TEAM',
  'COMMANDS',
]);

const NOISE_RES: RegExp[] = [
  /^\[\s*\d+\.\d+\]/, // kernel printk timestamp: [   12.345678] virtio_net ...
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/, // ISO timestamped log line
  /^\d{1,2}:\d{2}:\d{2}\b/, // time of day
  /^<\d>/, // syslog priority
  /^(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL)\b[\s:\]]/,
  /^[a-z][\w.-]*(?:\[\d+\])?:\s/, // `virtio_net: link up`, `sshd[42]: ...`: suites print Title Case labels
];

const PROMPT_RE = /^(?:[\w.-]+@[\w.-]+[:\w~/.-]*)?\s*sis>\s?(.*)$/;
const HEADER_RE = /^===\s*(.+?)\s*===$/;
const COMPLETE_RE = /^\[STRESS TEST\].*\bcomplete\b/i;
const COMPARE_OFF_RE = /^\[COMPARE\] Running with autonomy DISABLED/;
const COMPARE_RESULTS = 'Comparative Results';

/** Removes escape codes and control characters; a carriage return keeps what was drawn last. */
export function cleanLines(text: string): string[] {
  return text
    .replace(ANSI_RE, '')
    .split(/\r?\n/)
    .map((raw) => {
      const redrawn = raw.split('\r').filter((s) => s.trim() !== '');
      let line = redrawn.length > 0 ? redrawn[redrawn.length - 1]! : '';
      // A backspace erases the character before it, as the terminal showed it.
      while (BACKSPACE_RE.test(line)) line = line.replace(BACKSPACE_RE, '');
      return line.replace(CONTROL_RE, '').replace(/\s+$/, '');
    });
}

/** A line another subsystem printed into the console: dropped before the suite parser sees it. */
export function isNoiseLine(line: string): boolean {
  const tag = /^\[([^\]]*)\]/.exec(line);
  if (tag && !/^\s*\d+\.\d+$/.test(tag[1]!)) return !SUITE_TAGS.has(tag[1]!.trim().toUpperCase());
  return NOISE_RES.some((re) => re.test(line));
}

interface Block {
  line: number;
  command: string | null;
  lines: string[];
  headers: number;
  completes: number;
  compare: boolean;
  sawResults: boolean;
}

function newBlock(line: number, command: string | null): Block {
  const compare = command !== null && /^stresstest\s+compare\b/.test(command);
  return { line, command, lines: [], headers: 0, completes: 0, compare, sawResults: false };
}

/** Cuts cleaned lines into one block per suite run. */
function blocks(lines: readonly string[]): { blocks: Block[]; noise: number } {
  const out: Block[] = [];
  let cur: Block | null = null;
  let noise = 0;
  const start = (at: number, command: string | null): Block => {
    cur = newBlock(at, command);
    out.push(cur);
    return cur;
  };
  lines.forEach((raw, i) => {
    const at = i + 1;
    let line = raw;
    const prompt = PROMPT_RE.exec(line.trim());
    if (prompt) {
      const typed = prompt[1]!.trim();
      if (/^stresstest\b/.test(typed)) {
        const b = start(at, typed);
        b.lines.push(`sis> ${typed}`);
        return;
      }
      // A log line printed right after the prompt belongs to the output; a typed command ends the block.
      if (typed === '' || !/^(?:\[|===)/.test(typed)) {
        if (typed !== '') cur = null;
        return;
      }
      line = typed;
    }
    const trimmed = line.trim();
    if (trimmed === '') {
      (cur as Block | null)?.lines.push('');
      return;
    }
    if (isNoiseLine(trimmed)) {
      noise++;
      return;
    }
    const header = HEADER_RE.exec(trimmed);
    let b = cur as Block | null;
    if (header && header[1] !== COMPARE_RESULTS) {
      if (b === null || (b.headers > 0 && !b.compare) || (b.compare && b.sawResults)) b = start(at, null);
      b.headers++;
    } else if (COMPARE_OFF_RE.test(trimmed)) {
      if (b === null || !b.compare || b.headers > 0) b = start(at, null);
      b.compare = true;
    } else if (header) {
      if (b === null) b = start(at, null);
      b.sawResults = true;
    } else if (b === null) {
      noise++;
      return;
    }
    if (COMPLETE_RE.test(trimmed)) b.completes++;
    b.lines.push(line);
  });
  return { blocks: out, noise };
}

function suiteName(out: StresstestOutput): string {
  return out.kind === 'compare' ? `compare ${out.subject ?? 'unknown'}` : out.kind;
}

/** Cleans a whole transcript and parses each suite run in it. */
export function parseTranscript(text: string): Transcript {
  const cut = blocks(cleanLines(text));
  const suites: TranscriptSuite[] = [];
  const skipped: TranscriptSkip[] = [];
  for (const b of cut.blocks) {
    const parsed = parseStresstestOutput(b.lines.join('\n'));
    if (!parsed.ok) {
      skipped.push({ line: b.line, reason: describeSkip(b, parsed.error) });
      continue;
    }
    const truncated = b.compare ? b.completes < 2 && !b.sawResults : b.completes === 0;
    suites.push({
      line: b.line,
      command: b.command,
      suite: suiteName(parsed.value),
      output: parsed.value,
      truncated,
    });
  }
  return { suites, skipped, noiseLines: cut.noise };
}

function describeSkip(b: Block, error: CodedError): string {
  const what = b.command ?? 'suite block';
  return `${what}: ${b.completes === 0 ? 'cut off before any result' : error.message}`;
}
