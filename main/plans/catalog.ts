/**
 * Plan registry: the bundled plans in resources/plans, the person's saved plans in the config
 * folder, and any plan file given by path. Every one goes through the same schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PlanSummary } from '../model/api';
import { configDir } from '../util/config-dir';
import { didYouMeanText } from '../util/suggest';
import { LabError } from '../util/errors';
import { resourcesDir } from '../util/paths';
import { parsePlanText, type Plan } from '../model/plan';

export interface LoadedPlan {
  plan: Plan;
  text: string;
  /** Folder that relative paths in the plan resolve from. */
  planDir: string;
  path: string | null;
  source: 'bundled' | 'saved' | 'file' | 'text';
}

const PLAN_EXT = /\.(json|ya?ml)$/i;

export const bundledPlansDir = () => path.join(resourcesDir(), 'plans');
export const savedPlansDir = () => path.join(configDir(), 'plans');

function summaryOf(l: LoadedPlan): PlanSummary {
  return {
    id: l.plan.id,
    title: l.plan.title,
    kind: l.plan.kind,
    description: l.plan.description,
    source: l.source === 'saved' ? 'saved' : 'bundled',
    path: l.path ?? '',
    maxDurationSec: l.plan.run.maxDurationSec,
  };
}

export function loadPlanFile(file: string, source: LoadedPlan['source'] = 'file'): LoadedPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabError('PLAN_NOT_FOUND', `cannot read plan ${file}: ${(err as Error).message}`);
  }
  return {
    plan: parsePlanText(text, file),
    text,
    planDir: path.dirname(path.resolve(file)),
    path: path.resolve(file),
    source,
  };
}

function loadFolder(
  dir: string,
  source: 'bundled' | 'saved',
): { loaded: LoadedPlan[]; broken: { path: string; error: string }[] } {
  const loaded: LoadedPlan[] = [];
  const broken: { path: string; error: string }[] = [];
  let names: string[] = [];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => PLAN_EXT.test(n))
      .sort();
  } catch {
    return { loaded, broken };
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      loaded.push(loadPlanFile(p, source));
    } catch (err) {
      broken.push({ path: p, error: (err as Error).message });
    }
  }
  return { loaded, broken };
}

export function listPlans(): { plans: LoadedPlan[]; broken: { path: string; error: string }[] } {
  const b = loadFolder(bundledPlansDir(), 'bundled');
  const s = loadFolder(savedPlansDir(), 'saved');
  return { plans: [...b.loaded, ...s.loaded], broken: [...b.broken, ...s.broken] };
}

export const listPlanSummaries = (): PlanSummary[] => listPlans().plans.map(summaryOf);

/** A path to a plan file, or the id of a bundled or saved plan (saved plans shadow nothing). */
export function resolvePlan(ref: string): LoadedPlan {
  if (PLAN_EXT.test(ref) || ref.includes('/')) return loadPlanFile(ref);
  const { plans } = listPlans();
  const found = plans.find((l) => l.plan.id === ref);
  if (!found)
    throw new LabError(
      'PLAN_NOT_FOUND',
      `no bundled or saved plan with id "${ref}"${didYouMeanText(
        ref,
        plans.map((l) => l.plan.id),
      )} (see: probe-lab plans)`,
    );
  return found;
}

/**
 * A bundled or saved plan by id only, never a path: for callers across a trust boundary (the
 * console), which must not be able to make the host read arbitrary files.
 */
export function findPlanById(id: string): LoadedPlan {
  const found = listPlans().plans.find((l) => l.plan.id === id);
  if (!found) throw new LabError('PLAN_NOT_FOUND', `no bundled or saved plan with id "${id.slice(0, 64)}"`);
  return found;
}

/** Saves plan text in the config folder under its id; the text must parse first. */
export function savePlanText(text: string): LoadedPlan {
  const plan = parsePlanText(text, 'plan');
  if (listPlans().plans.some((l) => l.source === 'bundled' && l.plan.id === plan.id))
    throw new LabError('PLAN_INVALID', `"${plan.id}" is the id of a bundled plan: choose another id`, [
      { path: 'id', code: 'custom', message: 'id taken by a bundled plan' },
    ]);
  const dir = savedPlansDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${plan.id}.json`);
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
  return { plan, text, planDir: dir, path: file, source: 'saved' };
}

export { summaryOf };
