/** The plan schema as JSON Schema, generated from the zod schema so editors can validate plans. */
import { z } from 'zod';
import { PlanSchema } from '../model/plan';

export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...schema, $id: 'https://probe-lab.local/schema/plan.v1.schema.json', title: 'Probe Lab plan v1' };
}
