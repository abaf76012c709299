/**
 * probe-lab: the command-line entry over the engine.
 * Exit codes: 0 pass, 1 the probe's thresholds failed, 2 refused or invalid input, 3 halted.
 */
import path from 'node:path';
import { LabError } from '../util/errors';
import { listPlans, loadPlanFile, resolvePlan } from '../plans/catalog';
import { ConfirmationAuthority, checkTypedConfirmation } from '../safety/confirmation';
import { buildPreview } from '../run/preview';
import { ProbeRun } from '../run/runner';
import { resourcesDir } from '../util/paths';
import { verifyReport } from '../reports/verify';
import { formatDuration, liveLine } from './format';
import { previousProbeTes } from '../reports/history';
import { applyChaosFlags } from '../kinds/chaos';

import { EXIT, defaultIo, parseFlags, reportError, type Io } from './common';

export { EXIT, parseFlags, type Io } from './common';

const USAGE = `probe-lab: safe-mode scale probes with signed evidence

usage:
  probe-lab plans                                  list bundled and saved plans
  probe-lab plan check <file>                      validate a plan file (JSON or YAML)
  probe-lab run <plan> --confirm <plan-id> [--out DIR] [--json] [--seed N] [--fail-rate P]
                                                   run a probe (plan id or file); the typed id confirms it;
                                                   chaos plans: --seed replays a schedule, --fail-rate P (0-100)
  probe-lab verify <report> [--allowed-signers F]  check a report's signatures and its ledger chain
  probe-lab serve [--port N] [--reports DIR]       the console in a browser, on 127.0.0.1 only
  probe-lab lab-kernel setup|status|boot-check     build and check the QEMU lab kernel
  probe-lab check <results.json> [thresholds]      CI gate over exported results
  probe-lab compare <runA.json> <runB.json>        compare two runs

exit codes: 0 pass, 1 thresholds failed, 2 refused or invalid input, 3 halted`;

async function cmdPlans(io: Io): Promise<number> {
  const { plans, broken } = listPlans();
  for (const l of plans)
    io.out(
      `${l.plan.id.padEnd(20)} ${l.plan.kind.padEnd(12)} ${formatDuration(l.plan.run.maxDurationSec * 1000).padStart(8)} max  ${l.plan.title} [${l.source}]`,
    );
  for (const b of broken) io.err(`unreadable plan ${b.path}: ${b.error}`);
  return EXIT.PASS;
}

async function cmdPlanCheck(argv: string[], io: Io): Promise<number> {
  const file = argv[0];
  if (!file) throw new LabError('USAGE', 'usage: probe-lab plan check <file>');
  const l = loadPlanFile(file);
  const preview = buildPreview(l.plan, { planDir: l.planDir, resourcesDir: resourcesDir() });
  io.out(`${file}: valid plan "${l.plan.id}"`);
  for (const line of preview.lines) io.out(`  ${line}`);
  return EXIT.PASS;
}

async function cmdRun(argv: string[], io: Io): Promise<number> {
  const { pos, flags } = parseFlags(argv, ['json']);
  const ref = pos[0];
  if (!ref)
    throw new LabError('USAGE', 'usage: probe-lab run <plan> --confirm <plan-id> [--out DIR] [--json]');
  const json = flags.get('json') === true;
  const loaded = resolvePlan(ref);
  const num = (k: string): number | undefined => {
    const v = flags.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isFinite(n)) throw new LabError('USAGE', `--${k} needs a number`);
    return n;
  };
  // --seed replays a chaos schedule exactly; --fail-rate injects failures into that share of events.
  const plan = applyChaosFlags(loaded.plan, { seed: num('seed'), failRate: num('fail-rate') });
  const preview = buildPreview(plan, { planDir: loaded.planDir, resourcesDir: resourcesDir() });
  const confirmFlag = flags.get('confirm');
  if (!json) for (const line of preview.lines) io.out(line);
  checkTypedConfirmation(plan, typeof confirmFlag === 'string' ? confirmFlag : undefined);
  const authority = new ConfirmationAuthority();
  const confirmation = authority.issue(plan, 'cli');
  authority.consume(plan, confirmation);
  const outDir = path.resolve(
    typeof flags.get('out') === 'string' ? (flags.get('out') as string) : 'reports',
  );
  const run = new ProbeRun({
    plan,
    planDir: loaded.planDir,
    confirmation,
    outDir,
    resourcesDir: resourcesDir(),
    tesHistory: previousProbeTes(outDir, plan.id),
  });
  let halting = false;
  const onSignal = () => {
    if (halting) return;
    halting = true;
    if (!json) io.err('halting: stopping every process of the probe...');
    void run.halt('SIGINT from the terminal').then((r) => {
      if (!json)
        io.err(
          `halted: all processes stopped within ${r.stoppedWithinMs} ms${r.survivors.length ? `; SURVIVORS: ${r.survivors.join(', ')}` : ''}`,
        );
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Said even with --json (on stderr): a crashed run found and cleaned up must never pass silently.
  run.onDidAnomaly((a) => {
    if (a.code === 'INTERRUPTED_RUN_FOUND') io.err(a.message);
  });
  if (!json) {
    io.out(`run ${run.runId} started; Ctrl-C halts it`);
    run.onDidPulse((p) => io.out(liveLine(run, p)));
    run.onDidEvent((e) => {
      if (e.kind === 'target' || e.kind === 'run' || e.kind.startsWith('chaos'))
        io.out(`[${formatDuration(run.elapsedMs)}] ${e.message}`);
    });
    run.onDidAnomaly((a) => {
      if (a.code !== 'INTERRUPTED_RUN_FOUND')
        io.out(`[${formatDuration(run.elapsedMs)}] ANOMALY ${a.severity} ${a.code}: ${a.message}`);
    });
  }
  try {
    const result = await run.run();
    if (json) {
      io.out(
        JSON.stringify(
          {
            runId: result.runId,
            verdict: result.verdict,
            exitCode: result.exitCode,
            tes: result.probeTes?.score ?? null,
            thresholds: result.thresholds,
            report: result.report,
            haltReason: result.haltReason,
          },
          null,
          2,
        ),
      );
    } else {
      io.out('');
      for (const t of result.thresholds)
        io.out(`${t.ok ? 'pass' : 'FAIL'}  ${t.name}: ${t.actual} (expected ${t.expected})`);
      io.out(
        `verdict: ${result.verdict}${result.haltReason ? ` (${result.haltReason})` : ''}; probe TES ${result.probeTes?.score ?? 'n/a'} (${result.probeTes?.drift ?? 'n/a'})`,
      );
      io.out(`signed report: ${result.report.markdown}`);
      io.out(`               ${result.report.json}`);
      if (result.report.results)
        io.out(
          `results (v1):  ${result.report.results}   (gate it: probe-lab check ${result.report.results} ...)`,
        );
      io.out(`verify with:   probe-lab verify ${result.report.markdown}`);
      io.out(
        `          or:  ssh-keygen -Y verify -f ${result.report.allowedSigners} -I probe-lab -n probe-lab-report -s ${result.report.markdown}.sig < ${result.report.markdown}`,
      );
    }
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function cmdVerify(argv: string[], io: Io): Promise<number> {
  const { pos, flags } = parseFlags(argv, ['json']);
  const report = pos[0];
  if (!report) throw new LabError('USAGE', 'usage: probe-lab verify <report> [--allowed-signers FILE]');
  const allowed = flags.get('allowed-signers');
  const r = verifyReport(report, typeof allowed === 'string' ? { allowedSigners: allowed } : undefined);
  if (flags.get('json') === true) io.out(JSON.stringify(r, null, 2));
  else {
    for (const s of r.signatures) io.out(`${s.ok ? 'ok  ' : 'BAD '} signature ${s.file}: ${s.detail}`);
    io.out(
      `${r.ledger.ok ? 'ok  ' : 'BAD '} ledger: ${r.ledger.records} records; ${r.ledger.detail}${r.ledger.firstBad !== null ? ` (first bad record: line ${r.ledger.firstBad})` : ''}`,
    );
    io.out(r.ok ? 'verified' : 'VERIFICATION FAILED');
  }
  return r.ok ? EXIT.PASS : EXIT.FAIL;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'plans':
        return await cmdPlans(io);
      case 'plan':
        if (rest[0] !== 'check') throw new LabError('USAGE', 'usage: probe-lab plan check <file>');
        return await cmdPlanCheck(rest.slice(1), io);
      case 'run':
        return await cmdRun(rest, io);
      case 'verify':
        return await cmdVerify(rest, io);
      case 'serve': {
        const { serveCommand } = await import('./serve');
        return await serveCommand(rest, io);
      }
      case 'lab-kernel': {
        const { labKernelCommand } = await import('./lab-kernel');
        return await labKernelCommand(rest, io);
      }
      case 'check': {
        const { checkCommand } = await import('./check');
        return await checkCommand(rest, io);
      }
      case 'compare': {
        const { compareCommand } = await import('./compare');
        return await compareCommand(rest, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return cmd === undefined ? EXIT.REFUSED : EXIT.PASS;
      default:
        throw new LabError('USAGE', `unknown command "${cmd}"\n${USAGE}`);
    }
  } catch (err) {
    return reportError(io, err);
  }
}
