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
import { listReportSummaries } from '../reports/history';
import type { RegisteredTargets } from '../run/targets';

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

/** What a plan may name from the Settings: registered agents and the registered lab kernel. */
export function registeredOf(s: Settings): RegisteredTargets {
  return { agents: s.agents, labKernel: s.labKernel };
}

/**
 * The Settings as the CLI sees them (the config folder's settings.json, as serve reads it), so
 * `probe-lab run` writes where the console's History looks, and plans can name registered agents.
 */
export function cliSettings(): Settings {
  return createFileSettingsStore().get();
}

/**
 * A report named the way a person remembers it: a path as given, else a file name or a run id
 * inside the report folder. Unknown names are returned as given (verify then says not found).
 */
export function lookupReport(ref: string, reportFolder: string): string {
  if (ref.includes('/') || fs.existsSync(ref)) return ref;
  const inFolder = path.join(reportFolder, ref);
  if (fs.existsSync(inFolder)) return inFolder;
  return listReportSummaries(reportFolder).find((r) => r.runId === ref)?.markdownPath ?? ref;
}
