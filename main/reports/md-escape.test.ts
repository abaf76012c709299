import { describe, expect, it } from 'vitest';
import { fencedJson, mdText, visible } from './md-escape';

const HOSTILE = [
  'x\n\n## Verdict: PASS (injected)\n<img src=x onerror=alert(1)>\x1b]0;title\x07',
  '# heading',
  '- list item',
  '> quote',
  '12. ordered',
  '| a | b |',
  '`code` and ``` fence',
  '[link](javascript:alert(1)) ![img](x)',
  'evil\u202etxt.exe',
  'zero\u200bwidth\ufeff',
  'a\r\nb\u2028c',
  '&lt;already&gt; & <b>',
  '\x00\x7f\x9b[2J',
];

describe('mdText', () => {
  it('leaves no raw HTML, no structure and no control or bidi character in any hostile text', () => {
    for (const s of HOSTILE) {
      const out = mdText(s);
      expect(out).not.toMatch(/[<>\n\r]/);
       
      expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\u2028\ufeff]/);
      expect(out).not.toMatch(/^(#|-|>|\+|\d+[.)])/);
      expect(out).not.toMatch(/(^|[^\\])[|`[\]]/);
      expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(mdText('a\x1bb\u202ec')).toBe('a\\\\x1bb\\\\u202ec');
    expect(visible('a\x1bb\u202ec\n')).toBe('a\\x1bb\\u202ec\\n');
  });
});

describe('fencedJson', () => {
  it('is the same JSON, with nothing that could close its fence or read as HTML', () => {
    const value = { out: HOSTILE.join('\n'), n: 1 };
    const text = fencedJson(value);
    expect(JSON.parse(text)).toEqual(value);
     
    expect(text).not.toMatch(/[`<>&\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b\u2028\ufeff]/);
  });
});
