/**
 * Nothing starts without a person confirming it. A Confirmation is issued only by the authority
 * that lives in the process that asked the person (the CLI after `--confirm <plan-id>`, Electron's
 * main process after its native dialog, the serve host after a typed challenge). It is bound to
 * the exact plan by hash, carries a MAC under a key that never leaves that process, expires, and
 * is accepted once: a renderer, a replayed request or a scheduler cannot produce one.
 */
import crypto from 'node:crypto';
import { canonicalJson } from '../util/canonical-json';
import { LabError } from '../util/errors';
import type { Plan } from '../model/plan';

/** A confirmation is for starting now, not for later: it expires quickly. */
export const CONFIRMATION_TTL_MS = 10 * 60 * 1000;

export type ConfirmedBy = 'cli' | 'dialog' | 'challenge';

export interface Confirmation {
  planId: string;
  planHash: string;
  nonce: string;
  issuedAt: number;
  by: ConfirmedBy;
  mac: string;
}

export function planHash(plan: Plan): string {
  return crypto.createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

export class ConfirmationAuthority {
  private readonly key = crypto.randomBytes(32);
  private readonly used = new Set<string>();

  private mac(c: Omit<Confirmation, 'mac'>): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(`${c.planId}\n${c.planHash}\n${c.nonce}\n${c.issuedAt}\n${c.by}`)
      .digest('hex');
  }

  /** Call only after a person confirmed this exact plan. */
  issue(plan: Plan, by: ConfirmedBy): Confirmation {
    const body = {
      planId: plan.id,
      planHash: planHash(plan),
      nonce: crypto.randomBytes(16).toString('hex'),
      issuedAt: Date.now(),
      by,
    };
    return { ...body, mac: this.mac(body) };
  }

  /** Checks and consumes a confirmation. Throws CONFIRM_INVALID on anything off. */
  consume(plan: Plan, c: unknown, now = Date.now()): Confirmation {
    if (!c || typeof c !== 'object')
      throw new LabError('CONFIRM_INVALID', 'no confirmation given: a person must confirm every start');
    const conf = c as Partial<Confirmation>;
    const fields = ['planId', 'planHash', 'nonce', 'by', 'mac'] as const;
    for (const f of fields)
      if (typeof conf[f] !== 'string')
        throw new LabError('CONFIRM_INVALID', `confirmation field ${f} missing`);
    if (typeof conf.issuedAt !== 'number')
      throw new LabError('CONFIRM_INVALID', 'confirmation field issuedAt missing');
    const full = conf as Confirmation;
    const expected = Buffer.from(this.mac(full), 'hex');
    const given = Buffer.from(full.mac, 'hex');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
      throw new LabError(
        'CONFIRM_INVALID',
        'confirmation was not issued by this process (forged or from elsewhere)',
      );
    if (full.planId !== plan.id || full.planHash !== planHash(plan))
      throw new LabError(
        'CONFIRM_INVALID',
        `confirmation is for plan ${full.planId}, not for this plan as it stands now`,
      );
    if (now - full.issuedAt > CONFIRMATION_TTL_MS || now < full.issuedAt - 1000)
      throw new LabError('CONFIRM_INVALID', 'confirmation expired: confirm again');
    if (this.used.has(full.nonce))
      throw new LabError('CONFIRM_INVALID', 'confirmation already used: a run is never restarted or retried');
    this.used.add(full.nonce);
    return full;
  }
}

/** The CLI's check: the person typed the plan id. */
export function checkTypedConfirmation(plan: Plan, typed: string | undefined): void {
  if (!typed)
    throw new LabError(
      'CONFIRM_MISMATCH',
      `refusing to start: pass --confirm ${plan.id} to confirm you have read what this plan runs`,
    );
  if (typed !== plan.id)
    throw new LabError(
      'CONFIRM_MISMATCH',
      `refusing to start: --confirm "${typed}" does not match the plan id "${plan.id}"`,
    );
}
