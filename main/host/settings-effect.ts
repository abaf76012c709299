/**
 * What the Settings change outside the settings store: the registered targets a plan may name, and
 * the report folder the CLI shares with the console. Apart from settings-file.ts, which the
 * Electron main process imports and which must stay free of the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../model/api';
import { listReportSummaries } from '../reports/history';
import type { RegisteredTargets } from '../run/targets';
import { createFileSettingsStore } from './settings-file';

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
