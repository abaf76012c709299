/** Where the bundled resources live, from source (main/util) and from the build (out/main) alike. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function resourcesDir(): string {
  if (process.env.PROBE_LAB_RESOURCES) return path.resolve(process.env.PROBE_LAB_RESOURCES);
  // main/util/paths.ts and out/main/index.js both sit two levels below the project root.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources');
}

export function projectRoot(): string {
  return path.dirname(resourcesDir());
}
