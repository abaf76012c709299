#!/usr/bin/env node
// The engine host process (main/host/engine-host-main.ts) under plain Node, loaded by tsx like the
// CLI. Started by main/host/engine-host-client.ts with the Node that node-pty was built for; it
// speaks newline-delimited JSON frames on stdin/stdout and exits when stdin closes.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', 'main', 'host', 'engine-host-main.ts');
const { main } = await import(pathToFileURL(entry).href);
process.exit(await main());
