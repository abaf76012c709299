/** Writes resources/schema/plan.v1.schema.json from the plan's zod schema (the one source). */
import fs from 'node:fs';
import path from 'node:path';
import { planJsonSchema } from '../main/plans/json-schema';
import { resourcesDir } from '../main/util/paths';

const out = path.join(resourcesDir(), 'schema', 'plan.v1.schema.json');
fs.writeFileSync(out, `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
