/**
 * The model's schemas against what a real probe writes: a CLI run of real agents, its signed JSON
 * report and every evidence record in its ledger parse with the schemas, unchanged (no field the
 * schema does not know, none it drops); verify reports a code; History lists a damaged report as
 * unreadable under a code instead of trusting it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  AnomalySchema,
  IntegrityCheckSchema,
  PulseSchema,
  ResourceSampleSchema,
  RunEventRecordSchema,
  SnapshotSchema,
  TargetStateSchema,
  TesScoreSchema,
} from '../../main/model/evidence';
import { ReportDocumentSchema } from '../../main/model/report';
import { VerifyResultSchema } from '../../main/model/verify';
import { scanReports } from '../../main/reports/history';
import { createLabHost } from '../../main/host/lab-host';
import { createFileSettingsStore } from '../../main/host/settings-file';
import type { HistoryRow } from '../../main/model/api';
import { tempDir, useTempHome } from './helpers';

const BIN = path.resolve('bin/probe-lab.mjs');
let env: NodeJS.ProcessEnv;
const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });

/** The ledger record types that carry a model shape, and the schema each must parse with. */
const LEDGER_SCHEMAS: Record<string, z.ZodTypeAny> = {
  pulse: PulseSchema,
  sample: ResourceSampleSchema,
  snapshot: SnapshotSchema,
  anomaly: AnomalySchema,
  event: RunEventRecordSchema,
  targets: z.array(TargetStateSchema),
  tes: z.array(TesScoreSchema),
  integrity: IntegrityCheckSchema,
  'integrity.final': IntegrityCheckSchema, // its name in ledgers written before the run loop split
};

let reportJson: string;
let outDir: string;

beforeAll(() => {
  useTempHome();
  env = { ...process.env };
  const dir = tempDir();
  outDir = path.join(dir, 'out');
  const governance = path.join(dir, 'gov');
  fs.mkdirSync(governance);
  fs.writeFileSync(path.join(governance, 'rules.md'), 'be good\n');
  const plan = path.join(dir, 'plan.json');
  fs.writeFileSync(
    plan,
    JSON.stringify({
      id: 'model-plan',
      title: 'Model round trip',
      kind: 'concurrency',
      allowlist: ['workload-agent'],
      targets: [
        {
          id: 'w',
          kind: 'agent',
          command: 'workload-agent',
          args: ['--run-sec', '2', '--files', '1'],
          count: 2,
        },
      ],
      run: { maxDurationSec: 20 },
      pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 } },
      snapshots: { cadenceSec: 1 },
      governance: { folder: governance },
      thresholds: { guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 } },
    }),
  );
  const r = cli(['run', plan, '--confirm', 'model-plan', '--out', outDir]);
  reportJson = (/signed report: \S+\n\s+(\S+\.json)/.exec(r.stdout)?.[1] ?? '') as string;
  if (!reportJson) throw new Error(`run printed no report:\n${r.stdout}\n${r.stderr}`);
}, 90_000);

describe('model schemas on a real run', () => {
  it('parse the signed JSON report unchanged', () => {
    const raw: unknown = JSON.parse(fs.readFileSync(reportJson, 'utf8'));
    const parsed = ReportDocumentSchema.parse(raw);
    // Equal after parsing: the schema names every field the report has, and changes none.
    expect(parsed).toEqual(raw);
    expect(parsed.pulses.list.length).toBeGreaterThanOrEqual(3);
    expect(parsed.integrity.final).not.toBeNull();
  });

  it('parse every evidence record of the ledger unchanged', () => {
    const doc = ReportDocumentSchema.parse(JSON.parse(fs.readFileSync(reportJson, 'utf8')));
    const lines = fs
      .readFileSync(path.join(path.dirname(reportJson), doc.ledger.file), 'utf8')
      .split('\n')
      .filter(Boolean);
    const seen = new Set<string>();
    for (const line of lines) {
      const rec = JSON.parse(line) as { type: string; data: unknown };
      const schema = LEDGER_SCHEMAS[rec.type];
      if (!schema) continue;
      const r = schema.safeParse(rec.data);
      expect(r.success, `${rec.type}: ${r.success ? '' : r.error.message}`).toBe(true);
      expect(r.data).toEqual(rec.data);
      seen.add(rec.type);
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['event', 'pulse', 'sample', 'snapshot', 'targets', 'tes']),
    );
    expect(seen.has('integrity') || seen.has('integrity.final')).toBe(true);
  });

  it('verify answers a code: VERIFIED, then the failure code once a byte changed', () => {
    const ok = cli(['verify', reportJson, '--json']);
    expect(ok.status).toBe(0);
    expect(VerifyResultSchema.parse(JSON.parse(ok.stdout))).toMatchObject({ ok: true, code: 'VERIFIED' });

    const copy = path.join(tempDir(), path.basename(reportJson));
    for (const ext of ['.json', '.json.sig', '.md', '.md.sig'])
      fs.copyFileSync(reportJson.replace(/\.json$/, ext), copy.replace(/\.json$/, ext));
    fs.cpSync(path.join(path.dirname(reportJson), 'runs'), path.join(path.dirname(copy), 'runs'), {
      recursive: true,
    });
    fs.appendFileSync(copy, ' '); // one byte the signature did not cover
    const bad = cli(['verify', copy]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('VERIFICATION FAILED (SIGNATURE_INVALID)');
    const badJson = VerifyResultSchema.parse(JSON.parse(cli(['verify', copy, '--json']).stdout));
    expect(badJson.code).toBe('SIGNATURE_INVALID');
    expect(badJson.signatures.map((s) => s.code)).toEqual(['VERIFIED', 'SIGNATURE_INVALID']);
  });

  it('History lists a report that does not parse as unreadable, with a code', () => {
    const doc = JSON.parse(fs.readFileSync(reportJson, 'utf8')) as Record<string, unknown>;
    const damaged = path.join(outDir, 'scale_probe_damaged.json');
    fs.writeFileSync(damaged, JSON.stringify({ ...doc, verdict: 'MAYBE' }));
    fs.copyFileSync(reportJson.replace(/\.json$/, '.md'), damaged.replace(/\.json$/, '.md'));
    fs.writeFileSync(path.join(outDir, 'scale_probe_not-json.json'), '{"schema":');
    const { reports, unreadable } = scanReports(outDir);
    expect(reports.map((r) => r.jsonPath)).toEqual([reportJson]);
    expect(unreadable.map((u) => [path.basename(u.jsonPath), u.code]).sort()).toEqual([
      ['scale_probe_damaged.json', 'REPORT_PARSE'],
      ['scale_probe_not-json.json', 'REPORT_PARSE'],
    ]);
    expect(unreadable.find((u) => u.jsonPath === damaged)?.message).toContain('verdict');
  });

  it('the host lists the unreadable report with its code, and refuses to open it as a report', async () => {
    const host = createLabHost({
      settings: createFileSettingsStore(path.join(tempDir(), 'settings.json')),
      resourcesDir: path.resolve('resources'),
      reportFolder: outDir,
    });
    try {
      const list = await host.invoke('reports.list', {}, { kind: 'challenge' });
      if (!list.ok) throw new Error(list.error.message);
      const rows = list.value as HistoryRow[];
      const good = rows.find((r) => r.unreadable === null);
      expect(good).toMatchObject({ planId: 'model-plan', verdict: 'PASS', signature: 'valid' });
      expect(rows.filter((r) => r.unreadable).map((r) => r.unreadable?.code)).toEqual([
        'REPORT_PARSE',
        'REPORT_PARSE',
      ]);
      const opened = await host.invoke(
        'reports.open',
        { reportPath: good!.reportPath },
        { kind: 'challenge' },
      );
      expect(opened.ok && (opened.value as { json: { runId: string } }).json.runId).toBeTruthy();
      const damaged = await host.invoke(
        'reports.open',
        { reportPath: path.join(outDir, 'scale_probe_damaged.json') },
        { kind: 'challenge' },
      );
      expect(damaged.ok === false && damaged.error.code).toBe('REPORT_PARSE');
    } finally {
      host.dispose();
    }
  });
});
