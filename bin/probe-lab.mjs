#!/usr/bin/env node
// The probe-lab command. The engine is TypeScript; tsx loads it directly so `npx probe-lab` works
// right after `npm install`, with no build step in between.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = (file) => import(pathToFileURL(path.join(here, '..', 'main', 'cli', file)).href);
(await cli('common.ts')).installProcessGuards();
process.exitCode = await (await cli('index.ts')).main(process.argv.slice(2));
