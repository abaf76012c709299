/** The native confirm dialog shows the preview's escaped lines: warnings included, nothing raw. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parsePlanObject } from '../model/plan';
import { buildPreview } from '../run/preview';
import { resourcesDir } from '../util/paths';
import { startDialogOptions } from './ipc';

const opts = { planDir: path.join(resourcesDir(), 'plans'), resourcesDir: resourcesDir() };
const plan = (extra: Record<string, unknown>, target: Record<string, unknown> = {}) =>
  parsePlanObject({
    id: 'p',
    title: 'T',
    kind: 'concurrency',
    allowlist: ['workload-agent'],
    targets: [{ id: 'w', kind: 'agent', command: 'workload-agent', ...target }],
    run: { maxDurationSec: 10 },
    ...extra,
  });

describe('startDialogOptions', () => {
  it('shows an allowed NODE_OPTIONS as a WARNING with its value', () => {
    const pv = buildPreview(
      plan({ allowEnv: ['NODE_OPTIONS'] }, { env: { NODE_OPTIONS: '--require /tmp/evil.cjs' } }),
      opts,
    );
    expect(startDialogOptions(pv).detail).toContain(
      "WARNING: target w sets NODE_OPTIONS='--require /tmp/evil.cjs'",
    );
  });

  it('escapes a hostile title and arguments, never raw', () => {
    const pv = buildPreview(
      plan({ title: 'ok\x1b]0;x\x07\u202e\r' }, { args: ['\x1b[2K', 'a\u202eb'] }),
      opts,
    );
    const dialog = startDialogOptions(pv);
    for (const text of [dialog.message, dialog.detail ?? ''])
      expect(/[\x1b\x07\u202e\r]/.test(text)).toBe(false);
    expect(dialog.message).toContain(String.raw`ok\x1b]0;x\x07\u202e\r`);
    expect(dialog.detail).toContain(String.raw`$'\x1b[2K' $'a\u202eb'`);
  });
});
