import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { REPORT_STYLE_SOURCE, contentSecurityPolicy } from './static';

describe('the console policy and the HTML report', () => {
  it("allows the report's style sheet by hash only: no 'unsafe-inline', still no frames from anywhere", () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain(`style-src 'self' ${REPORT_STYLE_SOURCE};`);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-src 'none'");
    expect(csp).toContain("script-src 'self';");
  });

  it('renderer/index.html carries the same hash (it is static text, so it must be updated with REPORT_CSS)', () => {
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(
      readFileSync('renderer/index.html', 'utf8'),
    )?.[1];
    expect(meta).toContain(`style-src 'self' ${REPORT_STYLE_SOURCE};`);
  });
});
