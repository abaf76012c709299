#!/usr/bin/env node
// The engine host process (main/host/engine-host-main.ts) under plain Node, bundled like the CLI
// (out/engine/engine-host.mjs, built when missing or stale: scripts/engine-build.mjs). Started by
// main/host/engine-host-client.ts with the Node that node-pty was built for; it speaks
// newline-delimited JSON frames on stdin/stdout and exits when stdin closes.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadEngine } from '../scripts/engine-build.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { main } = await loadEngine(root, 'engine-host.mjs', 'main/host/engine-host-main.ts');
process.exit(await main());
