/**
 * The console's side of report trust, over a real signed run: History shows the trust level and
 * the signer, a forgery re-signed with another key (its allowed_signers beside it) is untrusted,
 * and reports.open reads nothing outside the report folder nor tells missing from outside.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryRow, OpenedReport, Reply } from '../../main/model/api';
import type { LabHost } from '../../main/host/host';
import { keyFingerprint, loadOrCreateSigningKey, writeAllowedSigners } from '../../main/reports/keys';
import { signSshsig } from '../../main/reports/sshsig';
import { main } from '../../main/cli/index';
import { agent, makePlan, newRun, tempDir, useTempHome, hostOverFolder } from './helpers';

let out: string;
let md: string;
let json: string;
let host: LabHost;
const mode = { kind: 'challenge' as const };

beforeAll(async () => {
  useTempHome();
  out = tempDir('reports-');
  const result = await newRun(makePlan({ targets: [agent('a', ['--run-sec', '2'])] }), out).run();
  md = result.report.markdown;
  json = result.report.json;
  host = hostOverFolder(out);
}, 60_000);

async function history(): Promise<HistoryRow[]> {
  const r = (await host.invoke('reports.list', {}, mode)) as Reply<HistoryRow[]>;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('History and reports.open', () => {
  it('writes no allowed_signers beside the report, and History shows it trusted with its signer', async () => {
    expect(fs.existsSync(path.join(out, 'allowed_signers'))).toBe(false);
    const own = loadOrCreateSigningKey();
    const [row] = await history();
    expect(row).toMatchObject({ trust: 'trusted', signature: 'valid', signer: keyFingerprint(own.openssh) });
  });

  it('a symlinked sibling .json pointing out of the folder is refused, with the missing-file answer', async () => {
    const outside = tempDir('outside-');
    fs.writeFileSync(path.join(outside, 'secret.json'), '{"secret": true}');
    const base = path.join(out, 'scale_probe_evil');
    fs.copyFileSync(md, `${base}.md`);
    fs.symlinkSync(path.join(outside, 'secret.json'), `${base}.json`);
    const viaLink = await host.invoke('reports.open', { reportPath: `${base}.md` }, mode);
    const missing = await host.invoke(
      'reports.open',
      { reportPath: path.join(out, 'scale_probe_none.md') },
      mode,
    );
    const escape = await host.invoke('reports.open', { reportPath: path.join(outside, 'secret.json') }, mode);
    expect(viaLink).toEqual(missing);
    expect(escape).toEqual(missing);
    expect(missing).toMatchObject({ ok: false, error: { code: 'REPORT_NOT_FOUND' } });
    fs.unlinkSync(`${base}.md`);
    fs.unlinkSync(`${base}.json`);
    const good = (await host.invoke('reports.open', { reportPath: md }, mode)) as Reply<OpenedReport>;
    expect(good.ok && good.value.verification.trust).toBe('trusted');
  });

  it('a forgery re-signed with another key, allowed_signers beside it replaced, is untrusted in History', async () => {
    const forger = loadOrCreateSigningKey(tempDir('forger-'));
    const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown>;
    const signer = { ...(doc.signer as object), openssh: forger.openssh }; // a schema-valid forgery
    fs.writeFileSync(json, JSON.stringify({ ...doc, verdict: 'FAIL', signer }));
    fs.writeFileSync(md, fs.readFileSync(md, 'utf8').replace('**Verdict: PASS**', '**Verdict: FAIL**'));
    // The whole forgery: the HTML report is re-signed too (left alone, its signature by the real
    // key would not match the signer the forged JSON names, and the report would read as invalid).
    for (const f of [md, json, md.replace(/\.md$/, '.html')])
      fs.writeFileSync(`${f}.sig`, signSshsig(fs.readFileSync(f), forger.privateKey, 'probe-lab-report'));
    writeAllowedSigners(path.join(out, 'allowed_signers'), forger.openssh);
    const [row] = await history();
    expect(row).toMatchObject({
      verdict: 'FAIL',
      trust: 'untrusted-signer',
      signature: 'invalid',
      signer: keyFingerprint(forger.openssh),
    });
    const opened = (await host.invoke('reports.open', { reportPath: md }, mode)) as Reply<OpenedReport>;
    expect(opened.ok && opened.value.verification).toMatchObject({ ok: false, trust: 'untrusted-signer' });
  });

  it('probe-lab verify never prints a control byte from the files it checks', async () => {
    const d = tempDir('hostile-');
    const base = path.join(d, 'scale_probe_x');
    fs.writeFileSync(`${base}.md`, 'Bound to: \x1b]0;pwned\x07\x1b[2J\n');
    fs.writeFileSync(
      `${base}.json`,
      JSON.stringify({
        runId: 'r\x1b[2J',
        plan: { hash: 'h' },
        ledger: { file: '\x1b]0;t\x07.jsonl', records: 1, head: 'a'.repeat(64) },
        signer: { openssh: 'x' },
      }),
    );
    const lines: string[] = [];
    const code = await main(['verify', `${base}.md`], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('REPORT_MISMATCH');
    expect(lines.join('\n')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(lines.join('\n')).toContain('\\x1b');
  });
});
