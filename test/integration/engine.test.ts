/**
 * The probe engine on real processes: TES on real agent runs (seed expectations, scaled limits),
 * stability classes, halt with no orphan, allowlist, confirmation, guard rails, integrity, skipped
 * pulses, coverage, and the signed report verified by the stock ssh-keygen.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfirmationAuthority } from '../../main/safety/confirmation';
import { verifyReport } from '../../main/reports/verify';
import { verifyLedger } from '../../main/evidence/ledger-read';
import { agent, liveProcessesOfRun, makePlan, newRun, tempDir, useTempHome, waitFor } from './helpers';

beforeAll(() => {
  useTempHome();
});

const tesOf = (tes: { subject: string; score: number }[], id: string) =>
  tes.find((t) => t.subject === id)?.score;

describe('TES on real agent runs (seed 000 expectations, scaled limits)', () => {
  it('scores clean >= 99, slow 70, ten files <= 80, slow and large 50', async () => {
    const plan = makePlan({
      tes: {
        variant: 'v2',
        velocity: { fullSec: 1, zeroSec: 2 },
        footprint: { fullFiles: 1, zeroFiles: 10 },
      },
      targets: [
        agent('clean', ['--run-sec', '0.3', '--files', '1']),
        agent('slow', ['--run-sec', '2.5']),
        agent('large', ['--run-sec', '0.4', '--files', '10', '--file-kb', '1']),
        agent('both', ['--run-sec', '2.5', '--files', '12', '--file-kb', '1']),
      ],
    });
    const out = tempDir();
    const run = newRun(plan, out);
    const result = await run.run();
    expect(result.verdict).not.toBe('HALTED');
    expect(tesOf(run.tes, 'clean')).toBeGreaterThanOrEqual(99);
    expect(tesOf(run.tes, 'slow')).toBe(70);
    expect(tesOf(run.tes, 'large')).toBeLessThanOrEqual(80);
    expect(tesOf(run.tes, 'both')).toBe(50);
    // Files changed were measured on disk, not reported by the agent.
    const large = run.tes.find((t) => t.subject === 'large');
    expect(large?.filesChanged).toBe(10);
    const probe = run.tes.find((t) => t.subject === 'probe');
    expect(probe?.score).toBeCloseTo((100 + 70 + 80 + 50) / 4, 0);
    expect(probe?.drift).toBe('penalised');
  });

  it('classifies stability: failed without files 0.6, failed after files 0.2, crash, hang stopped 0', async () => {
    const plan = makePlan({
      run: { maxDurationSec: 4 },
      targets: [
        agent('fail-clean', ['--run-sec', '0.3', '--exit-code', '3']),
        agent('fail-files', ['--run-sec', '0.6', '--files', '2', '--file-kb', '1', '--exit-code', '4']),
        agent('crash', ['--run-sec', '5', '--crash-at-sec', '0.3']),
        agent('hang', ['--run-sec', '60', '--hang-at-sec', '0.2']),
      ],
    });
    const run = newRun(plan, tempDir());
    const result = await run.run();
    const comp = (id: string) => run.tes.find((t) => t.subject === id)?.components.stability;
    expect(comp('fail-clean')).toBe(0.6);
    expect(comp('fail-files')).toBe(0.2);
    expect(comp('crash')).toBe(0.6);
    expect(comp('hang')).toBe(0);
    expect(run.targetStates().find((t) => t.targetId === 'hang')?.state).toBe('stopped');
    // Failures are recorded, never restarted: each target was spawned exactly once.
    const ledger = fs.readFileSync(path.join(run.runDir, 'ledger.jsonl'), 'utf8');
    const spawns = ledger.split('\n').filter((l) => l.includes('"type":"target.spawn"'));
    expect(spawns).toHaveLength(4);
    expect(result.thresholds.length).toBeGreaterThan(0);
    // The hung agent stopped answering pings: a pulse saw it unresponsive.
    const sawUnresponsive = run.pulses.some((p) =>
      p.targets.some((t) => t.targetId === 'hang' && t.responsive === false),
    );
    expect(sawUnresponsive).toBe(true);
  });
});

describe('safe mode', () => {
  it('halt stops every process of the probe, children included, within 2 s, and still writes a verifiable report', async () => {
    const plan = makePlan({
      run: { maxDurationSec: 60 },
      targets: [agent('worker', ['--run-sec', '60', '--children', '2', '--cpu-share', '0.02'], { count: 3 })],
    });
    const out = tempDir();
    const run = newRun(plan, out);
    const done = run.run();
    await waitFor(
      () => run.targetStates().length === 3 && run.targetStates().every((t) => t.state === 'running'),
      10_000,
      'agents running',
    );
    await waitFor(() => liveProcessesOfRun(run.runId).length >= 9, 10_000, 'agents and their children');
    const before = liveProcessesOfRun(run.runId);
    const halted = await run.halt('test halt');
    expect(halted.stoppedWithinMs).toBeLessThan(2000);
    expect(halted.survivors).toEqual([]);
    const result = await done;
    expect(result.verdict).toBe('HALTED');
    expect(result.exitCode).toBe(3);
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
    for (const pid of before)
      expect(
        fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'),
      ).toBe(false);
    expect(verifyReport(result.report.markdown).ok).toBe(true);
    expect(run.tes.find((t) => t.subject === 'worker-1')?.components.stability).toBe(0);
  });

  it('a halt before the targets spawn still leaves no process behind', async () => {
    const plan = makePlan({
      run: { maxDurationSec: 30 },
      targets: [agent('late', ['--run-sec', '30', '--children', '1'], { count: 2 })],
    });
    const run = newRun(plan, tempDir());
    const done = run.run();
    // The run is still in its baseline sample and 'before' pulse: nothing has been spawned yet.
    const halted = await run.halt('halt during the baseline');
    expect(halted.survivors).toEqual([]);
    const result = await done;
    expect(result.verdict).toBe('HALTED');
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
    expect(run.targetStates().every((t) => t.state === 'stopped' && t.pid === null)).toBe(true);
  });

  it('refuses an executable that is not on the allowlist before anything is spawned', () => {
    const plan = makePlan({ targets: [{ id: 'x', kind: 'agent', command: '/bin/sleep', args: ['5'] }] });
    const out = tempDir();
    expect(() => newRun(plan, out)).toThrow(expect.objectContaining({ code: 'EXEC_NOT_ALLOWED' }));
    expect(fs.readdirSync(out)).toEqual([]);
    const missing = makePlan({
      allowlist: ['/no/such/tool'],
      targets: [{ id: 'x', kind: 'agent', command: '/no/such/tool' }],
    });
    expect(() => newRun(missing, out)).toThrow(expect.objectContaining({ code: 'EXEC_NOT_FOUND' }));
  });

  it('accepts a confirmation once, only for the exact plan, and never a forged one', () => {
    const plan = makePlan({ targets: [agent('a', ['--run-sec', '0.1'])] });
    const authority = new ConfirmationAuthority();
    const c = authority.issue(plan, 'dialog');
    const other = makePlan({ id: 'other-plan', targets: [agent('a', ['--run-sec', '0.1'])] });
    expect(() => authority.consume(other, c)).toThrow(expect.objectContaining({ code: 'CONFIRM_INVALID' }));
    expect(() => authority.consume(plan, { ...c, mac: '00'.repeat(32) })).toThrow(
      expect.objectContaining({ code: 'CONFIRM_INVALID' }),
    );
    expect(() => new ConfirmationAuthority().consume(plan, c)).toThrow(
      expect.objectContaining({ code: 'CONFIRM_INVALID' }),
    );
    expect(authority.consume(plan, c).planId).toBe(plan.id);
    expect(() => authority.consume(plan, c)).toThrow(/already used/);
    expect(() => authority.consume(plan, undefined)).toThrow(
      expect.objectContaining({ code: 'CONFIRM_INVALID' }),
    );
  });

  it('a second probe in the same report folder is refused while the first runs', async () => {
    const plan = makePlan({ targets: [agent('a', ['--run-sec', '2'])] });
    const out = tempDir();
    const first = newRun(plan, out);
    const done = first.run();
    expect(() => newRun(plan, out).open()).toThrow(expect.objectContaining({ code: 'TARGET_BUSY' }));
    await done;
    const again = newRun(plan, out);
    expect(() => again.open()).not.toThrow();
    await again.halt();
  });

  it('a sustained CPU breach trips the guard rail, halts the probe and records why', async () => {
    const plan = makePlan({
      run: { maxDurationSec: 30 },
      thresholds: { guard: { cpuPct: 5, ramPct: 100, gpuPct: 100, windowSec: 1.5 } },
      targets: [agent('burner', ['--run-sec', '30', '--cpu-share', '0.6'])],
    });
    const run = newRun(plan, tempDir());
    const result = await run.run();
    expect(result.verdict).toBe('HALTED');
    expect(result.exitCode).toBe(3);
    expect(result.haltReason).toMatch(/guard rail: cpu over 5%/);
    const trip = run.anomalies.find((a) => a.code === 'GUARD_RAIL_TRIPPED');
    expect(trip?.severity).toBe('critical');
    expect(Number(trip?.data?.sustainedMs)).toBeGreaterThanOrEqual(1500);
    expect(fs.existsSync(result.report.markdown)).toBe(true);
    expect(result.thresholds.find((t) => t.name === 'guard rails')?.ok).toBe(false);
  });
});

describe('evidence', () => {
  it('detects a sentinel change at the next pulse, names the file, and fails the probe', async () => {
    const gov = tempDir('gov-');
    fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode on\n');
    const sentinel = path.join(tempDir('sentinel-'), 'SENTINEL');
    fs.writeFileSync(sentinel, 'v1\n');
    const plan = makePlan({
      governance: { folder: gov, sentinels: [sentinel] },
      pulses: { cadenceSec: 1, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 2 },
      targets: [agent('a', ['--run-sec', '3.5'])],
    });
    const run = newRun(plan, tempDir());
    const done = run.run();
    await waitFor(() => run.pulses.length >= 2, 10_000, 'a pulse during the run');
    fs.writeFileSync(path.join(gov, 'policy.txt'), 'safe mode OFF\n');
    fs.writeFileSync(sentinel, 'v2\n');
    const result = await done;
    expect(result.verdict).toBe('FAIL');
    expect(result.exitCode).toBe(1);
    const a = run.anomalies.find((x) => x.code === 'INTEGRITY_CHANGED');
    expect(a?.message).toContain('policy.txt');
    expect(a?.message).toContain(sentinel);
    expect(run.integrity?.governanceHash).not.toBe(run.integrity?.baselineGovernanceHash);
    expect(run.pulses.some((p) => p.status === 'RED' && p.reasons.some((r) => r.includes('integrity')))).toBe(
      true,
    );
  });

  it('counts a skipped pulse instead of hiding it, and classifies slow pulses', async () => {
    // The agent stops answering: each pulse waits its full timeout, so the next pulse of the burst
    // comes due while the previous one is still in flight.
    const plan = makePlan({
      run: { maxDurationSec: 6 },
      thresholds: {
        pulse: { warnSec: 0.5, critSec: 5 },
        guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 },
      },
      pulses: { cadenceSec: 1, burst: { count: 3, spacingSec: 0.4 }, after: 1, timeoutSec: 1.2 },
      targets: [agent('mute', ['--run-sec', '60', '--hang-at-sec', '0.1'])],
    });
    const run = newRun(plan, tempDir());
    const result = await run.run();
    const skipped = run.pulses.filter((p) => p.latencyClass === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((p) => p.status === 'RED')).toBe(true);
    expect(run.pulses.some((p) => p.latencyClass === 'warning' && p.latencyMs >= 1200)).toBe(true);
    expect(result.thresholds.find((t) => t.name === 'pulse latency')?.ok).toBe(false);
    const doc = JSON.parse(fs.readFileSync(result.report.json, 'utf8'));
    expect(doc.pulses.byClass.skipped).toBe(skipped.length);
  });

  it('writes pulse before, bursts during, pulse after, full coverage; the report verifies with ssh-keygen and breaks on one flipped byte', async () => {
    const plan = makePlan({ targets: [agent('a', ['--run-sec', '4.5'], { count: 2 })] });
    const out = tempDir();
    const run = newRun(plan, out);
    const result = await run.run();
    expect(result.verdict).toBe('PASS');
    const doc = JSON.parse(fs.readFileSync(result.report.json, 'utf8'));
    expect(doc.checklist).toMatchObject({
      pulseBefore: true,
      compliancePulseAfter: true,
      tesRecalculated: true,
    });
    expect(doc.checklist.burstsDuring).toBeGreaterThanOrEqual(2);
    expect(doc.snapshots.coverage.pct).toBe(100);
    expect(doc.snapshots.coverage.missing).toEqual([]);
    expect(doc.pulses.rttMs.count).toBeGreaterThan(0);
    // Bursts start on the snapshot grid (every 2 s, snapshots every 1 s): the burst and the grid
    // share one snapshot per instant, taken before the pulse's checks go out.
    const planned = run.snapshots.map((s) => s.plannedAt);
    expect(new Set(planned).size).toBe(planned.length);
    const during = run.pulses.filter((p) => p.phase === 'during');
    expect(during.length).toBeGreaterThanOrEqual(2);
    for (const p of during) {
      const snap = run.snapshots.find((s) => s.plannedAt === p.plannedAt);
      expect(snap, `a snapshot for the burst planned at ${p.plannedAt}`).toBeDefined();
      expect(snap!.at).toBeLessThanOrEqual(p.startedAt);
    }
    // Stock OpenSSH accepts both signatures.
    for (const f of [result.report.markdown, result.report.json]) {
      const r = spawnSync(
        'ssh-keygen',
        [
          '-Y',
          'verify',
          '-f',
          result.report.allowedSigners,
          '-I',
          'probe-lab',
          '-n',
          'probe-lab-report',
          '-s',
          `${f}.sig`,
        ],
        { input: fs.readFileSync(f) },
      );
      expect(r.status, r.stderr.toString()).toBe(0);
    }
    const ledgerPath = path.join(out, doc.ledger.file);
    expect(verifyLedger(ledgerPath, { head: doc.ledger.head, records: doc.ledger.records }).ok).toBe(true);
    // Flip one byte in the middle of the ledger: verify names the line.
    const buf = fs.readFileSync(ledgerPath);
    const mid = Math.floor(buf.length / 2);
    buf.writeUInt8(buf.readUInt8(mid) ^ 0x01, mid);
    fs.writeFileSync(ledgerPath, buf);
    const bad = verifyReport(result.report.markdown);
    expect(bad.ok).toBe(false);
    expect(bad.ledger.firstBad).toBeGreaterThan(1);
    // And the CLI exits non-zero naming it.
    const cli = spawnSync(
      process.execPath,
      [path.resolve('bin/probe-lab.mjs'), 'verify', result.report.markdown],
      { encoding: 'utf8', env: process.env },
    );
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/first bad record: line \d+/);
    expect(
      execFileSync(
        'ssh-keygen',
        ['-Y', 'check-novalidate', '-n', 'probe-lab-report', '-s', `${result.report.markdown}.sig`],
        { input: fs.readFileSync(result.report.markdown) },
      ).toString(),
    ).toMatch(/Good/);
  });
});
