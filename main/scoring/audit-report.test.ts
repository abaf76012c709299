import { describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA, auditSection, renderAuditLines } from './audit-report';

describe('auditSection', () => {
  it('audits each suite as repetitions of one test and counts findings by code', () => {
    const stub = (label: string) => ({ label, metrics: { rewards: [32767, 32767, 32767] } });
    const varied = (label: string, v: number) => ({ label, metrics: { latency: v } });
    const s = auditSection([
      { suite: 'learning', run: stub('a') },
      { suite: 'commands', run: varied('b', 3.2) },
      { suite: 'learning', run: stub('c') },
      { suite: 'commands', run: varied('d', 2.9) },
    ]);
    expect(s.schema).toBe(AUDIT_SCHEMA);
    expect(s.groups.map((g) => [g.suite, g.runs])).toEqual([
      ['learning', ['a', 'c']],
      ['commands', ['b', 'd']],
    ]);
    expect(s.groups[1]!.findings).toEqual([]);
    expect(s.codes.PINNED_AT_BOUND).toBe(1);
    expect(s.findings).toBe(s.groups[0]!.findings.length);
    const text = renderAuditLines(s).join('\n');
    expect(text).toContain('learning: 2 runs,');
    expect(text).toContain('commands: 2 runs, no findings');
    expect(text).toMatch(
      /CRIT PINNED_AT_BOUND rewards: .*i16 max\n\s+numbers: \{"run":"a","bound":"i16 max","value":32767/,
    );
  });
});
