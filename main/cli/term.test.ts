import { describe, expect, it } from 'vitest';
import { bar, colourEnabled, escapeForDisplay, palette, truncateLine, visibleWidth } from './term';

describe('terminal helpers', () => {
  it('follows FORCE_COLOR, then NO_COLOR, then whether the stream is a TTY', () => {
    const tty = { isTTY: true };
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({}, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({}, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(palette(false).red('x')).toBe('x');
    expect(palette(true).red('x')).toBe('\x1b[31mx\x1b[39m');
  });

  it('cuts a line to the width without counting colour, and closes a colour it cut through', () => {
    expect(truncateLine('abcdef', 10)).toBe('abcdef');
    expect(truncateLine('abcdef', 4)).toBe('abc…');
    const red = palette(true).red('abcdefgh');
    const cut = truncateLine(`>${red}`, 5);
    expect(visibleWidth(cut)).toBe(5);
    expect(cut.endsWith('…\x1b[0m')).toBe(true);
    expect(visibleWidth(truncateLine('✓ ✗ █░ '.repeat(20), 30))).toBe(30);
  });

  it('escapes control characters and bidi overrides a target could use on the terminal', () => {
    expect(escapeForDisplay('ok\x1b[2J\x07')).toBe('ok\\x1b[2J\\x07');
    expect(escapeForDisplay('a\nb')).toBe('a\\nb');
    expect(escapeForDisplay('abc\u202edcba')).toBe('abc\\u202edcba');
    expect(escapeForDisplay('plain ✓ text')).toBe('plain ✓ text');
  });

  it('draws a bar of fixed width, clamped', () => {
    expect(bar(0.5, 10)).toBe('█████░░░░░');
    expect(bar(2, 4)).toBe('████');
    expect(bar(Number.NaN, 4)).toBe('░░░░');
  });
});
