/**
 * Finding 7 of issue 13: the run itself checks its confirmation with the authority of the process
 * that asked the person. Every forged, replayed, stale or other-plan confirmation is refused in
 * ProbeRun's constructor with CONFIRM_INVALID, before a folder exists or a process is spawned.
 * The target would leave a marker file if it ever ran.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  ConfirmationAuthority,
  CONFIRMATION_TTL_MS,
  type Confirmation,
} from '../../main/safety/confirmation';
import { ProbeRun } from '../../main/run/runner';
import { resourcesDir } from '../../main/util/paths';
import type { Plan } from '../../main/model/plan';
import { makePlan, tempDir, useTempHome } from './helpers';

beforeAll(() => {
  useTempHome();
});

afterEach(() => {
  vi.useRealTimers();
});

function markerPlan(id: string, marker: string): Plan {
  return makePlan({
    id,
    allowlist: ['/bin/sh'],
    targets: [
      {
        id: 's',
        kind: 'agent',
        command: '/bin/sh',
        args: ['-c', `touch ${marker}`],
        health: { type: 'alive' },
      },
    ],
  });
}

function attempt(plan: Plan, confirmation: Confirmation, authority: ConfirmationAuthority, outDir: string) {
  return () =>
    new ProbeRun({
      plan,
      planDir: path.join(resourcesDir(), 'plans'),
      confirmation,
      authority,
      outDir,
      resourcesDir: resourcesDir(),
    });
}

describe('ProbeRun refuses a confirmation its authority did not issue for this plan', () => {
  it('refuses a forged MAC, another process key, another plan, a replay and an expired one; spawns nothing', () => {
    const dir = tempDir();
    const marker = path.join(dir, 'RAN');
    const plan = markerPlan('confirm-plan', marker);
    const otherPlan = markerPlan('other-plan', marker);
    const authority = new ConfirmationAuthority();
    const out = tempDir();
    const refused = expect.objectContaining({ code: 'CONFIRM_INVALID' });

    // Right shape, wrong MAC.
    const good = authority.issue(plan, 'dialog');
    expect(attempt(plan, { ...good, mac: 'ab'.repeat(32) }, authority, out)).toThrow(refused);
    // Right shape, a real MAC, but under another process's key (a renderer or a second host).
    const elsewhere = new ConfirmationAuthority().issue(plan, 'dialog');
    expect(attempt(plan, elsewhere, authority, out)).toThrow(refused);
    // A genuine confirmation of another plan, handed in with this one.
    const forOther = authority.issue(otherPlan, 'dialog');
    expect(attempt(plan, forOther, authority, out)).toThrow(refused);
    // Same id, edited plan (another hash).
    const edited = { ...plan, run: { ...plan.run, maxDurationSec: plan.run.maxDurationSec + 1 } };
    expect(attempt(edited, authority.issue(plan, 'dialog'), authority, out)).toThrow(refused);
    // Consumed already by the caller (the old pattern): the run sees a used nonce.
    const used = authority.issue(plan, 'cli');
    authority.consume(plan, used);
    expect(attempt(plan, used, authority, out)).toThrow(/already used/);
    // Expired.
    vi.useFakeTimers({ toFake: ['Date'] });
    const stale = authority.issue(plan, 'challenge');
    vi.setSystemTime(Date.now() + CONFIRMATION_TTL_MS + 1000);
    expect(attempt(plan, stale, authority, out)).toThrow(/expired/);
    vi.useRealTimers();

    expect(fs.readdirSync(out)).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('accepts the genuine one exactly once', () => {
    const dir = tempDir();
    const plan = markerPlan('confirm-plan', path.join(dir, 'RAN'));
    const authority = new ConfirmationAuthority();
    const c = authority.issue(plan, 'cli');
    const out = tempDir();
    expect(attempt(plan, c, authority, out)()).toBeInstanceOf(ProbeRun);
    expect(attempt(plan, c, authority, out)).toThrow(/already used/);
  });
});
