/**
 * Plan files: the malformed corpus, then fast-check around it. Whatever the text, parsePlanText
 * returns a Plan or throws a LabError coded PLAN_PARSE or PLAN_INVALID, with issues that each
 * carry a path; nothing else escapes. The burst section's own parser holds the same contract.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { parsePlanText, type Plan } from '../../main/model/plan';
import { parseBurstSection } from '../../main/kinds/burst/schema';
import { LabError } from '../../main/util/errors';
import { corpusFiles, runs } from './fuzz-config';

const PLAN_CODES = ['PLAN_PARSE', 'PLAN_INVALID'];

/**
 * Parses as a run does: the plan schema, then the kind's own section (parsePlanText alone accepts
 * any `burst` value; ProbeRun refuses a bad one before anything exists). Returns the coded refusal,
 * or null for a valid plan; anything else fails the test.
 */
function outcome(text: string): { code: string; issues: number } | null {
  let plan: Plan;
  try {
    plan = parsePlanText(text, 'fuzz');
    if (plan.kind === 'validation-burst') parseBurstSection(plan.burst, 'fuzz');
  } catch (err) {
    if (!(err instanceof LabError))
      throw new Error(`uncoded ${String(err)} for ${JSON.stringify(text.slice(0, 120))}`);
    expect(PLAN_CODES).toContain(err.code);
    for (const i of err.issues ?? []) expect(i.path.length).toBeGreaterThan(0);
    return { code: err.code, issues: err.issues?.length ?? 0 };
  }
  expect(typeof plan.id).toBe('string');
  return null;
}

const validPlan = {
  id: 'fuzz-plan',
  title: 'Fuzz',
  kind: 'concurrency',
  allowlist: ['workload-agent'],
  targets: [{ id: 'a', kind: 'agent', command: 'workload-agent', args: ['--run-sec', '1'] }],
  run: { maxDurationSec: 10 },
};

describe('plan files: malformed corpus', () => {
  for (const file of corpusFiles('plans')) {
    it(`${path.basename(file)} is refused with a code`, () => {
      const r = outcome(fs.readFileSync(file, 'utf8'));
      expect(r).not.toBeNull();
    });
  }

  it('the huge cases built in memory: over 1 MB, 200,000 nested arrays, 10,000 nested YAML maps', () => {
    expect(outcome(`description: "${'x'.repeat(1_000_001)}"\n`)?.code).toBe('PLAN_INVALID');
    expect(outcome('['.repeat(200_000) + ']'.repeat(200_000))).not.toBeNull();
    expect(
      outcome('a:\n' + Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}b${i}:`).join('\n')),
    ).not.toBeNull();
  });

  it('5000-deep nesting inside a valid plan (JSON and YAML) is PLAN_INVALID, and so is a hash of it', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const json = JSON.stringify({ ...validPlan, chaos: 0 }).replace('"chaos":0', `"chaos":${deep}`);
    const nestedMaps = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const jsonMaps = JSON.stringify({ ...validPlan, chaos: 0 }).replace('"chaos":0', `"chaos":${nestedMaps}`);
    const yaml = `id: p\ntitle: T\nkind: concurrency\nallowlist: [workload-agent]\ntargets: [{id: a, kind: agent, command: workload-agent}]\nrun: {maxDurationSec: 10}\nchaos: ${deep}\n`;
    for (const text of [json, jsonMaps, yaml]) {
      const r = outcome(text);
      expect(r?.code).toBe('PLAN_INVALID');
    }
  });

  it('the valid base plan parses (the corpus mutations below start from it)', () => {
    expect(outcome(JSON.stringify(validPlan))).toBeNull();
  });
});

describe('plan files: fast-check', () => {
  it('arbitrary text never escapes uncoded', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (s) => void outcome(s)),
      runs(400),
    );
  });

  it('arbitrary JSON values never escape uncoded', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => void outcome(JSON.stringify(v) ?? 'null')),
      runs(300),
    );
  });

  it('a valid plan with one field replaced by anything still parses or is refused with the path of the field', () => {
    const keys = Object.keys(validPlan) as (keyof typeof validPlan)[];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), (key, value) => {
        const r = outcome(JSON.stringify({ ...validPlan, [key]: value }));
        if (r) expect(r.issues).toBeGreaterThan(0);
      }),
      runs(300),
    );
  });

  it('byte-level mutations of a valid plan (truncate, flip, insert) never escape uncoded', () => {
    const text = JSON.stringify(validPlan, null, 2);
    fc.assert(
      fc.property(
        fc.nat(text.length),
        fc.nat(text.length),
        fc.string({ maxLength: 8 }),
        (at, cut, insert) => {
          void outcome(text.slice(0, at) + insert + text.slice(Math.min(text.length, at + (cut % 8))));
        },
      ),
      runs(300),
    );
  });

  it('YAML: arbitrary documents from YAML-ish tokens never escape uncoded', () => {
    const token = fc.constantFrom(
      'id: p',
      'kind: chaos',
      '- ',
      '  ',
      '&a ',
      '*a',
      '<<: *a',
      '{',
      '}',
      '[',
      ']',
      ':',
      '!!binary',
      '!!js/function',
      '%YAML 1.2',
      '---',
      '...',
      '"',
      "'",
      '#',
      '\n',
      '\t',
      '? ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (t) => void outcome(t.join(''))),
      runs(300),
    );
  });

  it('the burst section: anything is a burst config or PLAN_INVALID with burst.* paths', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        try {
          parseBurstSection(v);
        } catch (err) {
          expect(err).toBeInstanceOf(LabError);
          expect((err as LabError).code).toBe('PLAN_INVALID');
          for (const i of (err as LabError).issues ?? []) expect(i.path.startsWith('burst')).toBe(true);
        }
      }),
      runs(300),
    );
  });
});
