/**
 * Text a plan or a target chose, made safe to show a person: control characters (ESC, CR, BEL,
 * C1), bidi overrides, zero-width and other invisible characters appear as escapes, never raw,
 * so a terminal, a dialog or a page cannot be made to show something other than what will run.
 * Node-free on purpose: the renderer imports it too, so every view escapes the same way.
 */

/**
 * C0/C1 controls and DEL (Cc), format characters: bidi embeddings, overrides and isolates,
 * zero-width joiners, soft hyphen, BOM, tag characters (Cf), line and paragraph separators
 * (Zl, Zp), lone surrogates (Cs), and the blank fillers that render as nothing.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string, bash = false): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.codePointAt(0) ?? 0;
  // \xNN for the C0 range only; everything else in \u form, which JSON also reads back unchanged.
  if (cp < 0x20) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return bash ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** One value (a title, an id, a path, an argument): every invisible character escaped. */
export function escapeForDisplay(s: string): string {
  return s.replace(INVISIBLE, escapeChar);
}

/**
 * Whole lines of output for a terminal: like escapeForDisplay, but a newline stays a newline and
 * a tab a tab (they only move the cursor forward). Everything else, ESC and CR included, is
 * escaped. JSON output stays valid JSON (JSON.stringify already escapes C0; \uNNNN is JSON).
 */
export function escapeTerminalText(s: string): string {
  return s.replace(INVISIBLE, (ch) => (ch === '\n' || ch === '\t' ? ch : escapeChar(ch)));
}

export function hasInvisible(s: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(s);
  INVISIBLE.lastIndex = 0;
  return found;
}

/** Characters that never need quoting in a POSIX shell word. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argv word as a POSIX shell would need it typed, so `a;b` and `a ; b` differ visibly and a
 * space inside an argument is not mistaken for two arguments. A word with invisible characters
 * uses bash's $'…' form, where a backslash is itself escaped, so what is shown is unambiguous.
 */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (SHELL_SAFE.test(word)) return word;
  if (!hasInvisible(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  const body = word
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(INVISIBLE, (ch) => escapeChar(ch, true));
  return `$'${body}'`;
}

/** A whole command line: each word quoted on its own. */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
