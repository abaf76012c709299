#!/usr/bin/env node
// Sample NONDETERMINISTIC validator: the same gates as gate-check.mjs, with two bugs of the kind a
// validation burst exists to find. (1) For packs whose id ends in 7 it prints when and by whom the
// check ran (pid and a high-resolution clock), so its output differs on every run. (2) For packs
// whose id ends in 3 it consults an unseeded random "sampling" gate, so its verdict flips about one
// time in three. Everything else is deterministic.
import { loadPack } from './pack.mjs';

const { name, pack } = loadPack('flaky-gate');
const problems = [];
const id = String(pack?.id ?? '');
if (pack?.fail_closed !== true) problems.push('FAIL_CLOSED_RELAXED');
if (pack?.schema_version !== '2.0') problems.push('SCHEMA_VERSION');
if (id.endsWith('3') && Math.random() < 0.35) problems.push('SAMPLED_GATE');
if (id.endsWith('7')) console.log(`  checked by pid ${process.pid} at ${process.hrtime.bigint()}`);
for (const p of problems) console.log(`  gate: ${p}`);
console.log(`${problems.length ? 'FAIL' : 'PASS'} ${name}`);
process.exit(problems.length ? 1 : 0);
