/**
 * Terminal helpers for the live view and the summary: colour that follows NO_COLOR and
 * FORCE_COLOR, truncation to the terminal's width (ANSI-aware: never wrap), and escaping of every
 * string a plan or a target chose, so a target cannot move the cursor or recolour the terminal.
 */

/** What a terminal needs to know about its stream. */
export interface TermStream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Colour on or off, as Node and chalk decide: FORCE_COLOR (anything but 0/false) forces it on,
 * NO_COLOR (non-empty, https://no-color.org) turns it off, else only a TTY that is not "dumb".
 */
export function colourEnabled(stream: TermStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export type Paint = (s: string) => string;
export interface Palette {
  enabled: boolean;
  green: Paint;
  red: Paint;
  yellow: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

const sgr =
  (on: number, off: number): Paint =>
  (s) =>
    `\x1b[${on}m${s}\x1b[${off}m`;
const plain: Paint = (s) => s;

export function palette(enabled: boolean): Palette {
  return enabled
    ? {
        enabled,
        green: sgr(32, 39),
        red: sgr(31, 39),
        yellow: sgr(33, 39),
        cyan: sgr(36, 39),
        dim: sgr(2, 22),
        bold: sgr(1, 22),
      }
    : { enabled, green: plain, red: plain, yellow: plain, cyan: plain, dim: plain, bold: plain };
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The printed width of a line (ANSI sequences take no room; one column per code point). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/**
 * Cuts a line to `width` printed columns, ending in "…" when cut, and closes any colour it cut
 * through, so a long line never wraps and never leaks colour into the next.
 */
export function truncateLine(s: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(s) <= width) return s;
  let out = '';
  let used = 0;
  let i = 0;
  let coloured = false;
  while (i < s.length && used < width - 1) {
    if (s[i] === '\x1b') {
      const m = new RegExp(ANSI.source, 'y');
      m.lastIndex = i;
      const hit = m.exec(s);
      if (hit) {
        out += hit[0];
        coloured = true;
        i += hit[0].length;
        continue;
      }
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    out += ch;
    i += ch.length;
    used++;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

/** A plan's or a target's string made safe to print (one value: a newline is escaped too). */
export { escapeForDisplay } from '../util/escape';

/** A terminal progress bar of `width` cells for a fraction 0..1. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}
