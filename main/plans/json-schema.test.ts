import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { planJsonSchema } from './json-schema';
import { resourcesDir } from '../util/paths';

describe('plan JSON Schema', () => {
  it('the committed file is what the zod schema generates (run scripts/gen-plan-schema.ts after changing plan.ts)', () => {
    const committed = JSON.parse(
      fs.readFileSync(path.join(resourcesDir(), 'schema', 'plan.v1.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(planJsonSchema())));
  });

  it('names every required top-level field of a plan', () => {
    const s = planJsonSchema() as { required?: string[] };
    expect(s.required).toEqual(
      expect.arrayContaining(['id', 'title', 'kind', 'allowlist', 'targets', 'run']),
    );
  });
});
