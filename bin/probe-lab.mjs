#!/usr/bin/env node
// The probe-lab command. The engine is TypeScript; tsx loads it directly so `npx probe-lab` works
// right after `npm install`, with no build step in between.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(path.join(here, '..', 'main', 'cli', 'index.ts')).href);
process.exitCode = await main(process.argv.slice(2));
