/**
 * Escaping for text a target or a plan can choose (file names, output excerpts, anomaly messages,
 * agent ids) before it goes into the signed Markdown: it must read as the text it is, never as
 * structure (a heading, a table cell, a list item), never as raw HTML, and never as terminal
 * control (ESC, OSC) or bidi reordering when the file is printed or opened.
 */

/** Invisible and control characters spelled out (`\x1b`, `\n`, `\u202e`): the one escaper every view uses. */
export { escapeForDisplay as visible } from '../util/escape';
import { escapeForDisplay as visible } from '../util/escape';

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Inline Markdown text: one line, no HTML, every character that could start or end structure
 * backslash-escaped (CommonMark lets any ASCII punctuation be escaped; `(` matters only after a
 * `]`, which is escaped, so it stays readable), and a leading list or ordered-list marker
 * neutralised, so the text can never become a heading, list, table or link.
 */
export function mdText(value: unknown): string {
  const s = visible(String(value ?? ''))
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML[c] as string);
  return s.replace(/^([-+=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A table cell: the same as inline text (`|` and newlines are already escaped). */
export const mdCell = mdText;

/**
 * JSON for a fenced block: `<`, `>`, `&`, backticks and invisible characters as `\uXXXX` (still
 * the same JSON), so the block can neither close its fence nor carry raw HTML or control bytes.
 */
export function fencedJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[<>&`\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
