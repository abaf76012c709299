/**
 * probe-lab: the command-line entry over the engine. Exit codes: see EXIT_TABLE in common.ts.
 */
import { cliSettings, lookupReport, registeredOf } from '../host/settings-effect';
import path from 'node:path';
import { LabError } from '../util/errors';
import { listPlans, loadPlanFile, resolvePlan } from '../plans/catalog';
import { ConfirmationAuthority, checkTypedConfirmation } from '../safety/confirmation';
import { buildPreview } from '../run/preview';
import { ProbeRun } from '../run/runner';
import { resourcesDir } from '../util/paths';
import { FINGERPRINT_RE, verifyReport, type VerifyReportOptions } from '../reports/verify';
import { visible } from '../reports/md-escape';
import { formatDuration } from './format';
import { liveView } from './live-view';
import { fileOutputs, OUTPUT_OPTIONS } from './outputs/index';
import { SummaryOutput } from './outputs/documents';
import { printRunEnd } from './run-end';
import { colourEnabled } from './term';
import { previousProbeTes } from '../reports/history';
import { applyChaosFlags } from '../kinds/chaos';
import { escapeTerminalText } from '../util/escape';
import { sweepOrphans } from '../safety/interrupted-runs';

import {
  EXIT,
  EXIT_TABLE,
  defaultIo,
  exitForVerdict,
  packageVersion,
  parseCommand,
  reportError,
  unknownCommand,
  wantsJson,
  type CommandSpec,
  type Io,
} from './common';
import { raiseEnginePriority } from '../lab/priority';

export { EXIT, type Io } from './common';

/** Every command with its one-line usage, for `probe-lab --help`; each has its own `--help`. */
const COMMANDS: readonly (readonly [string, string, string])[] = [
  ['plans', '[--json]', 'list bundled and saved plans'],
  ['plan check', '<file>', 'validate a plan file (JSON or YAML)'],
  ['run', '<plan> --confirm <plan-id> [options]', 'run a probe; the typed plan id confirms it'],
  ['verify', '<report> [options]', "check a report's signatures and ledger against the signers you trust"],
  [
    'review',
    '<report> --verdict V --note TEXT [--anomaly ID]',
    "record a review of a run's anomalies, signed",
  ],
  ['export-key', '[--out FILE]', "your signer's key as an allowed_signers line (a claim, not proof)"],
  ['serve', '[--port N] [--reports DIR]', 'the console in a browser, on 127.0.0.1 only'],
  ['lab-kernel', 'setup|status|boot-check', 'build and check the QEMU lab kernel'],
  ['check', '<results.json> [thresholds]', 'CI gate over exported results'],
  ['compare', '<runA.json> <runB.json>', 'compare two runs'],
  ['audit', '<files-or-folders...> [--json]', 'stub audit of stress transcripts and results'],
];

function usage(): string {
  const width = Math.max(...COMMANDS.map(([n, u]) => `${n} ${u}`.length));
  return [
    'probe-lab: safe-mode scale probes with signed evidence',
    '',
    'usage: probe-lab <command> [options]     probe-lab <command> --help for its options',
    '',
    ...COMMANDS.map(([n, u, what]) => `  ${`${n} ${u}`.padEnd(width)}  ${what}`),
    '',
    'options:',
    '  -h, --help     show this help and exit',
    '      --version  print the version and exit',
    '',
    'With --json, errors are JSON on stdout too: {"error":{"code","message","issues"}}.',
    '',
    'exit codes:',
    ...EXIT_TABLE.map(([c, what]) => `  ${String(c).padStart(3)}  ${what}`),
  ].join('\n');
}

const PLANS: CommandSpec = {
  name: 'plans',
  summary: 'list the bundled plans and the plans saved in the config folder',
  usage: '[--json]',
  positionals: { min: 0, max: 0 },
  options: { json: { type: 'boolean', help: 'one JSON document: id, kind, title, max duration, source' } },
};

const PLAN_CHECK: CommandSpec = {
  name: 'plan check',
  summary: 'validate a plan file (JSON or YAML) and show what it would run',
  usage: '<file>',
  positionals: { min: 1, max: 1 },
  options: {},
  notes: [
    'Every problem is listed with its path and code; exit 2 when there is any.',
    'A valid plan that cannot produce seed 000 evidence (no burst during its tasks, a guard-rail window longer than the run) is printed with WARNING lines and still exits 0.',
  ],
};

const RUN: CommandSpec = {
  name: 'run',
  summary: 'run a probe (a plan id or a plan file); the typed plan id confirms it',
  usage: '<plan> --confirm <plan-id> [options]',
  positionals: { min: 1, max: 1 },
  options: {
    confirm: { type: 'string', value: 'PLAN-ID', help: 'the plan id typed again: nothing starts without it' },
    out: {
      type: 'string',
      value: 'DIR',
      help: "where the ledger and the signed report go (default: Settings' report folder, as the console)",
    },
    json: { type: 'boolean', help: 'no live lines; one JSON document with the result at the end' },
    ...OUTPUT_OPTIONS,
    seed: { type: 'string', value: 'N', help: 'chaos plans: replay the schedule of this uint32 seed' },
    'fail-rate': {
      type: 'string',
      value: 'P',
      help: 'chaos plans: make recovery fail for P% (0-100) of events',
    },
  },
  notes: [
    'Ctrl-C (or SIGTERM) halts every process of the probe and still signs the report (exit 3).',
    'A probe that held its thresholds but took no burst pulse while its tasks ran ends INCOMPLETE (exit 5): seed 000 asks for bursts during the probe.',
    'On a terminal a status block (progress, targets, last pulse, TES, CPU/RAM, chaos) is redrawn every second; NO_COLOR turns colour off, FORCE_COLOR on. Not on a terminal: plain lines, and a heartbeat line after 10 s of silence.',
  ],
};

const VERIFY: CommandSpec = {
  name: 'verify',
  summary:
    "check a report's signatures against the signers you trust, the .md/.json/ledger binding and the ledger hash chain; names the first bad record",
  usage: '<report.md|report.json|run-id> [options]',
  positionals: { min: 1, max: 1 },
  options: {
    'allowed-signers': {
      type: 'string',
      value: 'FILE',
      help: 'trust the keys in this allowed_signers file instead of your own (config folder)',
    },
    key: {
      type: 'string',
      value: 'SHA256:...',
      multiple: true,
      help: 'trust this key fingerprint (as ssh-keygen -l prints it)',
    },
    json: { type: 'boolean', help: 'one JSON document with every check' },
  },
};

const PLAN: CommandSpec = {
  name: 'plan',
  summary: 'work with plan files',
  usage: 'check <file>',
  positionals: { min: 0, max: 0 },
  options: {},
  notes: ['commands:\n  check <file>  validate a plan file (see: probe-lab plan check --help)'],
};

async function cmdPlans(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(PLANS, argv, io);
  if (!args) return EXIT.PASS;
  const { plans, broken } = listPlans();
  if (args.flags.get('json') === true) {
    const list = plans.map((l) => ({
      id: l.plan.id,
      kind: l.plan.kind,
      title: l.plan.title,
      maxDurationSec: l.plan.run.maxDurationSec,
      source: l.source,
    }));
    io.out(JSON.stringify({ plans: list, broken }, null, 2));
    return EXIT.PASS;
  }
  for (const l of plans)
    io.out(
      `${l.plan.id.padEnd(20)} ${l.plan.kind.padEnd(12)} ${formatDuration(l.plan.run.maxDurationSec * 1000).padStart(8)} max  ${l.plan.title} [${l.source}]`,
    );
  for (const b of broken) io.err(`unreadable plan ${b.path}: ${b.error}`);
  return EXIT.PASS;
}

async function cmdPlanCheck(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(PLAN_CHECK, argv, io);
  if (!args) return EXIT.PASS;
  const file = args.pos[0]!;
  const l = loadPlanFile(file);
  const registered = registeredOf(cliSettings());
  const preview = buildPreview(l.plan, { planDir: l.planDir, resourcesDir: resourcesDir(), registered });
  io.out(`${file}: valid plan "${l.plan.id}"`);
  for (const line of preview.lines) io.out(`  ${line}`);
  return EXIT.PASS;
}

async function cmdRun(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(RUN, argv, io);
  if (!args) return EXIT.PASS;
  const { pos, flags } = args;
  const ref = pos[0]!;
  const json = flags.get('json') === true;
  // This process is the engine: it outranks the load its targets make (main/lab/priority.ts).
  raiseEnginePriority();
  // At start, whatever the report folder: every orphaned run cgroup (its owner gone) is killed. The
  // folder's interrupted runs are then marked by the runner once it holds the folder lock, so a live
  // run there is never taken for a dead one and the new run's ledger records what was found.
  await sweepOrphans();
  const loaded = resolvePlan(ref);
  // --seed replays a chaos schedule exactly; --fail-rate injects failures into that share of events.
  const plan = applyChaosFlags(loaded.plan, {
    seed: args.number('seed'),
    failRate: args.number('fail-rate'),
  });
  // The console's folder by default, so CLI runs show up in its History; registered agents resolve.
  const settings = cliSettings();
  const registered = registeredOf(settings);
  const out = flags.get('out');
  const outDir = path.resolve(typeof out === 'string' ? out : settings.reportFolder);
  const preview = buildPreview(plan, {
    planDir: loaded.planDir,
    resourcesDir: resourcesDir(),
    outDir,
    registered,
  });
  const confirmFlag = flags.get('confirm');
  if (!json) for (const line of preview.lines) io.out(line);
  checkTypedConfirmation(plan, typeof confirmFlag === 'string' ? confirmFlag : undefined);
  const authority = new ConfirmationAuthority();
  // Checked and consumed by the run itself, with this authority: see ProbeRun's constructor.
  const confirmation = authority.issue(plan, 'cli');
  const files = fileOutputs(args);
  const run = new ProbeRun({
    plan,
    planDir: loaded.planDir,
    confirmation,
    authority,
    outDir,
    resourcesDir: resourcesDir(),
    tesHistory: previousProbeTes(outDir, plan.id),
    registered,
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
  if (!json) io.out(`run ${run.runId} started; Ctrl-C halts it`);
  // The live view and the coloured summary write escape sequences of their own, so they write to
  // the process's stdout itself (defaultIo escapes ESC), and escape every plan- or target-chosen
  // string themselves (term.ts). Another Io (a test's) gets plain, escaped lines.
  const direct = (io.raw ?? io) === defaultIo ? (s: string) => void process.stdout.write(`${s}\n`) : null;
  const tty = direct !== null && process.stdout.isTTY === true;
  const colour = direct !== null && colourEnabled(process.stdout);
  run.addOutput(
    liveView(io, run, {
      json,
      colour,
      screen: tty
        ? { write: (s) => process.stdout.write(s), columns: () => process.stdout.columns || 80 }
        : null,
    }),
  );
  const summary = new SummaryOutput();
  run.addOutput(summary);
  for (const o of files.outputs) run.addOutput(o);
  try {
    const result = await run.run();
    printRunEnd(io, { json, colour, tty, direct }, result, summary.data, files);
    return exitForVerdict(result.verdict);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function cmdVerify(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(VERIFY, argv, io);
  if (!args) return EXIT.PASS;
  const { pos, flags } = args;
  const report = lookupReport(pos[0]!, cliSettings().reportFolder);
  const opts: VerifyReportOptions = {};
  const allowed = flags.get('allowed-signers');
  if (typeof allowed === 'string') opts.allowedSigners = allowed;
  const keys = args.list('key').flatMap((k) => k.split(','));
  const bad = keys.filter((k) => !FINGERPRINT_RE.test(k));
  if (bad.length)
    throw new LabError(
      'USAGE',
      `--key takes SHA256:... fingerprints as ssh-keygen -l prints them, got ${JSON.stringify(bad[0])} (see: probe-lab verify --help)`,
    );
  if (keys.length) opts.keys = keys;
  const r = verifyReport(report, opts);
  if (flags.get('json') === true) io.out(JSON.stringify(r, null, 2));
  else {
    // Details quote the files under test (a ledger path, a binding line): never raw to the terminal.
    const out = (line: string) => io.out(visible(line));
    for (const s of r.signatures) out(`${s.ok ? 'ok  ' : 'BAD '} signature ${s.file}: ${s.detail}`);
    out(
      `${r.ledger.ok ? 'ok  ' : 'BAD '} ledger: ${r.ledger.records} records; ${r.ledger.detail}${r.ledger.firstBad !== null ? ` (first bad record: line ${r.ledger.firstBad})` : ''}`,
    );
    out(`${r.binding.ok ? 'ok  ' : 'BAD '} binding: ${r.binding.detail}`);
    if (r.reviews) {
      out(`${r.reviews.ok ? 'ok  ' : 'BAD '} reviews: ${r.reviews.detail}`);
      for (const v of r.reviews.list)
        out(
          `     review ${v.anomaly ?? 'run'} ${v.verdict} by ${v.by} at ${new Date(v.at).toISOString()} (ledger record ${v.seq}): ${v.note}`,
        );
    }
    io.out(`signer: ${r.signer ?? 'none verified'}`);
    io.out(
      r.trust === 'trusted'
        ? 'verified'
        : r.trust === 'untrusted-signer'
          ? `UNTRUSTED_SIGNER: the signatures are good, but ${r.signer ?? 'the signer'} is not a key you trust`
          : `VERIFICATION FAILED (${r.code})`,
    );
  }
  return r.ok ? EXIT.PASS : EXIT.FAIL;
}

const PLAN_COMMANDS = ['check'];
const COMMAND_NAMES = [
  'plans',
  'plan',
  'run',
  'verify',
  'review',
  'export-key',
  'serve',
  'lab-kernel',
  'check',
  'compare',
  'audit',
  'help',
  'version',
];

async function dispatch(cmd: string | undefined, rest: string[], io: Io): Promise<number> {
  switch (cmd) {
    case 'plans':
      return await cmdPlans(rest, io);
    case 'plan': {
      const [sub, ...subArgs] = rest;
      if (sub === 'check') return await cmdPlanCheck(subArgs, io);
      if (sub === undefined || sub.startsWith('-')) {
        if (parseCommand(PLAN, rest, io) === null) return EXIT.PASS;
        throw new LabError('USAGE', 'usage: probe-lab plan check <file> (see: probe-lab plan --help)');
      }
      throw unknownCommand('plan command', sub, PLAN_COMMANDS, 'probe-lab plan --help');
    }
    case 'run':
      return await cmdRun(rest, io);
    case 'verify':
      return await cmdVerify(rest, io);
    case 'review':
      return await (await import('./review')).reviewCommand(rest, io);
    case 'export-key':
      return await (await import('./export-key')).exportKeyCommand(rest, io);
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
    case 'audit': {
      const { auditCommand } = await import('./audit');
      return await auditCommand(rest, io);
    }
    case 'help':
    case '--help':
    case '-h':
      // `probe-lab help run` is `probe-lab run --help`.
      if (cmd === 'help' && rest[0] !== undefined)
        return await dispatch(rest[0], [...rest.slice(1), '--help'], io);
      io.out(usage());
      return EXIT.PASS;
    case 'version':
    case '--version':
      io.out(packageVersion());
      return EXIT.PASS;
    case undefined:
      io.err(usage());
      return EXIT.REFUSED;
    default:
      if (cmd.startsWith('-'))
        throw unknownCommand('option', cmd, ['--help', '--version'], 'probe-lab --help');
      throw unknownCommand('command', cmd, COMMAND_NAMES, 'probe-lab --help');
  }
}

/**
 * Every line any command prints passes here: plan titles, args, target output, anomaly messages
 * and file names reach the terminal with ESC, CR, BEL and bidi overrides escaped, so nothing a
 * plan or a target chose can move the cursor, retitle the window or hide a line.
 */
export function terminalSafe(io: Io): Io {
  return {
    out: (s) => io.out(escapeTerminalText(s)),
    err: (s) => io.err(escapeTerminalText(s)),
    raw: io.raw ?? io,
  };
}

export async function main(argv: string[], rawIo: Io = defaultIo): Promise<number> {
  const io = terminalSafe(rawIo);
  const [cmd, ...rest] = argv;
  try {
    return await dispatch(cmd, rest, io);
  } catch (err) {
    return reportError(io, err, { json: wantsJson(argv) });
  }
}
