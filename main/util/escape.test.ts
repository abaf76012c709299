import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeForDisplay, escapeTerminalText, shellQuote, shellQuoteArgv } from './escape';

describe('escapeForDisplay', () => {
  it('shows control, bidi and invisible characters as escapes, never raw', () => {
    expect(escapeForDisplay('a\x1b[2Kb')).toBe(String.raw`a\x1b[2Kb`);
    expect(escapeForDisplay('\x1b]0;title\x07')).toBe(String.raw`\x1b]0;title\x07`);
    expect(escapeForDisplay('x\ry\nz\t')).toBe(String.raw`x\ry\nz\t`);
    expect(escapeForDisplay('\u202eevil\u2066\u200b\ufeff\u00ad\u2028')).toBe(
      String.raw`\u202eevil\u2066\u200b\ufeff\u00ad\u2028`,
    );
    expect(escapeForDisplay('\x9b31m\x7f')).toBe(String.raw`\u009b31m\u007f`);
    expect(escapeForDisplay('\u{e0041}')).toBe(String.raw`\u{e0041}`);
    expect(escapeForDisplay('plain ünïcode 漢字 ✓')).toBe('plain ünïcode 漢字 ✓');
  });

  it('terminal text keeps newlines and tabs, and JSON stays JSON', () => {
    expect(escapeTerminalText('a\nb\tc\r\x1b')).toBe('a\nb\tc\\r\\x1b');
    const json = JSON.stringify({ t: 'x\u202e\x1b\x9b' });
    expect(JSON.parse(escapeTerminalText(json))).toEqual({ t: 'x\u202e\x1b\x9b' });
  });
});

describe('shellQuote', () => {
  it('makes a;b and a ; b differ, and an argument with a space one word', () => {
    expect(shellQuoteArgv(['echo', 'a;b'])).toBe("echo 'a;b'");
    expect(shellQuoteArgv(['echo', 'a ; b'])).toBe("echo 'a ; b'");
    expect(shellQuoteArgv(['echo', 'a', ';', 'b'])).toBe("echo a ';' b");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
  });

  it("uses bash's $'…' form for invisible characters, with backslashes doubled", () => {
    expect(shellQuote('x\r\x1b[2K')).toBe(String.raw`$'x\r\x1b[2K'`);
    expect(shellQuote('\\x1b\x1b')).toBe(String.raw`$'\\x1b\x1b'`);
    expect(shellQuote("'\u202e")).toBe(String.raw`$'\'\u202e'`);
  });

  it('what is shown is what bash would run: each quoted word reads back unchanged', () => {
    const words = [
      'a;b',
      "it's",
      'x\r\x1b[2K',
      '\\x1b\x1b',
      "'\u202eevil",
      'tab\there',
      '\u{e0041}z',
      'ü漢',
      '$(id)',
    ];
    const script = words.map((w) => `printf '%s\\0' ${shellQuote(w)}`).join('; ');
    const out = execFileSync('bash', ['-c', script]).toString().split('\0').slice(0, -1);
    expect(out).toEqual(words);
  });
});
