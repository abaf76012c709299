import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  metricSchema,
  parseResults,
  parseResultsJson,
  resultsJsonSchema,
  resultsSchema,
  scenarioSchema,
  type ResultsDoc,
} from './results';

const SCHEMA_PATH = fileURLToPath(new URL('../../resources/schema/results.v1.schema.json', import.meta.url));
type JsonSchema = Record<string, unknown>;
const fileSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JsonSchema;

/**
 * A validator for the subset of JSON Schema 2020-12 the results schema uses, so the committed file
 * is exercised as a schema (not only compared as text) without a validator dependency.
 */
function jsonSchemaErrors(schema: JsonSchema, value: unknown, path = '$'): string[] {
  const errs: string[] = [];
  const type = schema.type as string | undefined;
  if (schema.anyOf) {
    const ok = (schema.anyOf as JsonSchema[]).some((s) => jsonSchemaErrors(s, value, path).length === 0);
    return ok ? [] : [`${path}: matches no anyOf branch`];
  }
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return [`${path}: not an integer`];
  } else if (type && type !== actual) {
    return [`${path}: expected ${type}, got ${actual}`];
  }
  if ('const' in schema && value !== schema.const) errs.push(`${path}: not the constant`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errs.push(`${path}: not in enum`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errs.push(`${path}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errs.push(`${path}: too long`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      errs.push(`${path}: pattern`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${path}: above maximum`);
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errs.push(...jsonSchemaErrors(schema.items as JsonSchema, v, `${path}[${i}]`)));
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const req of (schema.required ?? []) as string[])
      if (!(req in obj)) errs.push(`${path}.${req}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema.propertyNames)
        errs.push(...jsonSchemaErrors(schema.propertyNames as JsonSchema, k, `${path}{${k}}`));
      if (props[k]) errs.push(...jsonSchemaErrors(props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errs.push(...jsonSchemaErrors(schema.additionalProperties as JsonSchema, v, `${path}.${k}`));
    }
  }
  return errs;
}

function sample(): ResultsDoc {
  return {
    schema: 'probe-lab/results/v1',
    runId: 'run-2025-11-15-0956',
    planId: 'layer1-chaos',
    kind: 'chaos',
    startedAt: '2025-11-15T09:56:09Z',
    endedAt: '2025-11-15T10:02:41.250+00:00',
    seed: 42,
    verdict: 'PARTIAL',
    metrics: {
      'command.latency': {
        unit: 'us',
        count: 1000,
        min: 40,
        p50: 90,
        p95: 210,
        p99: 480,
        p999: 900,
        max: 1200,
        mean: 101.5,
      },
      'memory.peak_pressure': { unit: '%', value: 91 },
    },
    counters: { oom_events: 2, compaction_triggers: 2 },
    samples: { 'command.latency': [40, 90, 91, 210] },
    scenarios: [
      {
        id: 'S01_heartbeat_pause',
        type: 'heartbeat_pause',
        wave: 1,
        outcome: 'recovered',
        recoveryMs: 100,
        methods: [{ method: 'heartbeat', ok: true, atMs: 100 }],
      },
      {
        id: 'S02_acl_spam',
        type: 'acl_spam',
        wave: 2,
        outcome: 'escalated',
        recoveryMs: null,
        methods: [{ method: 'api-health', ok: false, atMs: null }],
      },
    ],
  };
}

function mutate(f: (d: Record<string, unknown>) => void): unknown {
  const d = structuredClone(sample()) as unknown as Record<string, unknown>;
  f(d);
  return d;
}

const invalid: [string, unknown][] = [
  ['wrong schema version', mutate((d) => (d.schema = 'probe-lab/results/v2'))],
  ['missing runId', mutate((d) => delete d.runId)],
  ['bad verdict', mutate((d) => (d.verdict = 'OK'))],
  ['bad date', mutate((d) => (d.startedAt = '15/11/2025 09:56'))],
  ['metric without unit', mutate((d) => (d.metrics = { x: { p99: 3 } }))],
  ['extra metric key', mutate((d) => (d.metrics = { x: { unit: 'ms', p98: 3 } }))],
  ['counter as string', mutate((d) => (d.counters = { oom: '4' }))],
  ['negative seed', mutate((d) => (d.seed = -1))],
  ['unknown top-level key', mutate((d) => (d.extra = true))],
  [
    'bad scenario outcome',
    mutate((d) => ((d.scenarios as Record<string, unknown>[])[0]!.outcome = 'passed')),
  ],
  ['negative recovery', mutate((d) => ((d.scenarios as Record<string, unknown>[])[0]!.recoveryMs = -5))],
  ['sample not a number', mutate((d) => (d.samples = { x: [1, 'two'] }))],
];

describe('results schema', () => {
  it('accepts the sample document in zod and in the committed JSON Schema', () => {
    expect(parseResults(sample()).ok).toBe(true);
    expect(jsonSchemaErrors(fileSchema, sample())).toEqual([]);
  });

  it.each(invalid)('rejects %s in both', (_label, doc) => {
    const r = parseResults(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('RESULTS_INVALID');
      expect(r.error.issues?.length).toBeGreaterThan(0);
    }
    expect(jsonSchemaErrors(fileSchema, doc).length).toBeGreaterThan(0);
  });

  it('has every required key of the JSON Schema in the zod shape, and no other required key', () => {
    const pairs: [JsonSchema, Record<string, { isOptional(): boolean }>][] = [
      [fileSchema, resultsSchema.shape],
      [
        (fileSchema.properties as Record<string, JsonSchema>).metrics!.additionalProperties as JsonSchema,
        metricSchema.shape,
      ],
      [
        (fileSchema.properties as Record<string, JsonSchema>).scenarios!.items as JsonSchema,
        scenarioSchema.shape,
      ],
    ];
    for (const [json, shape] of pairs) {
      const required = (json.required as string[]).slice().sort();
      expect(required.every((k) => k in shape)).toBe(true);
      const zodRequired = Object.entries(shape)
        .filter(([, s]) => !s.isOptional())
        .map(([k]) => k)
        .sort();
      expect(zodRequired).toEqual(required);
      expect(Object.keys(json.properties as object).sort()).toEqual(Object.keys(shape).sort());
    }
  });

  it('matches what the zod schema generates (regenerate the file with resultsJsonSchema() after a change)', () => {
    expect(fileSchema).toEqual(resultsJsonSchema());
  });

  it('reports bad JSON text as RESULTS_INVALID', () => {
    const r = parseResultsJson('{"schema": ');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('RESULTS_INVALID');
    expect(parseResultsJson(JSON.stringify(sample())).ok).toBe(true);
  });
});
