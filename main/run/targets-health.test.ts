/** An exec health check runs a command: it is held to the plan's allowlist like a target's. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePlanObject } from '../model/plan';
import { resolveCommand } from '../safety/allowlist';
import { resourcesDir } from '../util/paths';
import { createTargets } from './targets';

describe('exec health check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-lab-exec-'));
  const sh = resolveCommand('sh', { resourcesDir: resourcesDir(), baseDir: dir });

  it('the command must be on the plan allowlist: refused before anything starts', () => {
    const plan = parsePlanObject({
      id: 'p',
      title: 't',
      kind: 'concurrency',
      allowlist: ['workload-agent'],
      targets: [
        { id: 'a', kind: 'agent', command: 'workload-agent', health: { type: 'exec', command: 'sh' } },
      ],
      run: { maxDurationSec: 10 },
    });
    expect(() => createTargets(plan, { planDir: dir, resourcesDir: resourcesDir() })).toThrow(
      expect.objectContaining({ code: 'EXEC_NOT_ALLOWED' }),
    );
    const allowed = { ...plan, allowlist: ['workload-agent', 'sh'] };
    const [t] = createTargets(allowed, { planDir: dir, resourcesDir: resourcesDir() });
    expect(t?.healthCommand?.identity).toBe(sh.identity);
  });
});
