/**
 * Settings in a JSON file (for `probe-lab serve` and tests); the Electron app keeps the same shape
 * in electron-store. A damaged file is set aside, never silently overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Settings } from '../model/api';
import { configDir } from '../util/config-dir';
import { writeFileAtomic } from '../util/atomic-file';
import type { SettingsStore } from './host';

export const SettingsSchema = z.object({
  reportFolder: z.string().min(1).max(4096),
  agents: z
    .array(z.object({ name: z.string().min(1).max(64), command: z.string().min(1).max(4096) }))
    .max(64),
  labKernel: z.object({ kernel: z.string().max(4096).nullable(), initrd: z.string().max(4096).nullable() }),
});

export function defaultSettings(): Settings {
  return {
    reportFolder: path.join(configDir(), 'reports'),
    agents: [],
    labKernel: { kernel: null, initrd: null },
  };
}

export function createFileSettingsStore(file = path.join(configDir(), 'settings.json')): SettingsStore {
  let current = defaultSettings();
  if (fs.existsSync(file)) {
    try {
      current = SettingsSchema.parse({ ...current, ...JSON.parse(fs.readFileSync(file, 'utf8')) });
    } catch {
      fs.renameSync(file, `${file}.damaged-${Date.now()}`);
    }
  }
  return {
    get: () => structuredClone(current),
    set: (patch) => {
      const next = SettingsSchema.parse({ ...current, ...patch });
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, 0o600);
      current = next;
      return structuredClone(current);
    },
  };
}
