#!/usr/bin/env node
// The probe-lab command: the engine bundled to plain JavaScript (out/engine/cli.mjs), built here
// on first use and whenever main/ changed, so `npx probe-lab` works right after `npm install`
// and never runs stale code (scripts/engine-build.mjs says why there is no loader at run time).
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadEngine } from '../scripts/engine-build.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = await loadEngine(root, 'cli.mjs', 'main/cli/index.ts');
cli.installProcessGuards?.();
process.exitCode = await cli.main(process.argv.slice(2));
