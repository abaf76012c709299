#!/usr/bin/env node
// Sample deterministic validator for the validation-burst probe (a stand-in for a user's
// gate_pack.py): reads one governance pack (JSON), checks its gates, prints one verdict line per
// failed gate and a final PASS/FAIL line. Exit 0 = pass, 1 = fail, 2 = usage. Same input, same
// output, every time. GATE_DELAY_MS (from the plan's validator env) makes each check take that
// long, like a heavier real validator, so a burst can be seen holding many at once.
import { loadPack } from './pack.mjs';

const { name, pack } = loadPack('gate-check');
const problems = [];
if (typeof pack !== 'object' || pack === null || Array.isArray(pack)) problems.push('PACK_SHAPE not an object');
else {
  if (!/^(PAC|WRAP)-[A-Z0-9-]+$/.test(String(pack.id))) problems.push('ID_INVALID');
  if (pack.schema_version !== '2.0') problems.push('SCHEMA_VERSION');
  if (pack.fail_closed !== true) problems.push('FAIL_CLOSED_RELAXED');
  if (!Array.isArray(pack.error_codes) || pack.error_codes.length === 0) problems.push('ERROR_CODES_MISSING');
  const checklist = pack.checklist && typeof pack.checklist === 'object' ? pack.checklist : null;
  if (!checklist) problems.push('CHECKLIST_MISSING');
  else for (const [k, v] of Object.entries(checklist).sort()) if (v !== true) problems.push(`CHECK_FAILED ${k}`);
}
const delay = Number(process.env.GATE_DELAY_MS ?? 0);
if (delay > 0) await new Promise((r) => setTimeout(r, Math.min(delay, 60_000)));
for (const p of problems) console.log(`  gate: ${p}`);
console.log(`${problems.length ? 'FAIL' : 'PASS'} ${name}${problems.length ? `: ${problems.length} gate(s)` : ''}`);
process.exit(problems.length ? 1 : 0);
