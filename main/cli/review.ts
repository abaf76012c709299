/**
 * `probe-lab review`: seed 000 §5's last step, the probe log updated by a person. The review goes
 * into the run's ledger as a hash-chained record and into the signed review addendum beside the
 * report; `probe-lab verify` checks both and lists them.
 */
import os from 'node:os';
import { LabError } from '../util/errors';
import { visible } from '../reports/md-escape';
import { recordReview } from '../reports/review';
import { BY_MAX_CHARS, NOTE_MAX_CHARS, REVIEW_VERDICTS } from '../reports/review-addendum';
import { EXIT, parseCommand, seeHelp, type CommandSpec, type Io } from './common';

export const REVIEW: CommandSpec = {
  name: 'review',
  summary: "record a review of a run's anomalies (seed 000 §5) in its ledger and a signed addendum",
  usage: '<report.md|report.json> --verdict expected|needs-work|false-alarm --note TEXT [options]',
  positionals: { min: 1, max: 1 },
  options: {
    anomaly: {
      type: 'string',
      value: 'ID',
      help: 'the anomaly reviewed (A1, A2, ... as the report numbers them); without it, the run as a whole',
    },
    verdict: { type: 'string', value: 'VERDICT', help: `one of ${REVIEW_VERDICTS.join(', ')}` },
    note: {
      type: 'string',
      value: 'TEXT',
      help: `what was checked and concluded (at most ${NOTE_MAX_CHARS} characters)`,
    },
    by: { type: 'string', value: 'NAME', help: 'who reviewed (default: your OS user name)' },
    json: { type: 'boolean', help: 'one JSON document with the review and the verification' },
  },
  notes: [
    'The review is appended to runs/<run>/ledger.jsonl after run.end, and the addendum <report>.reviews.json (+ .sig) is rewritten with every review so far, signed with your key. The report and its signature are left as they are.',
    'Refused (exit 2) when the report does not verify as trusted now, or while its run is still live.',
  ],
};

function required(value: string | true | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new LabError('USAGE', `--${name} is required ${seeHelp(REVIEW.name)}`);
  return value;
}

export async function reviewCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(REVIEW, argv, io);
  if (!args) return EXIT.PASS;
  const { flags } = args;
  const verdict = required(flags.get('verdict'), 'verdict');
  if (!(REVIEW_VERDICTS as readonly string[]).includes(verdict))
    throw new LabError(
      'USAGE',
      `--verdict must be one of ${REVIEW_VERDICTS.join(', ')}, got "${visible(verdict)}" ${seeHelp(REVIEW.name)}`,
    );
  const note = required(flags.get('note'), 'note');
  const anomaly = flags.get('anomaly');
  const by = flags.get('by');
  const r = recordReview(args.pos[0]!, {
    anomaly: typeof anomaly === 'string' ? anomaly : null,
    verdict,
    note,
    by: typeof by === 'string' ? by : os.userInfo().username.slice(0, BY_MAX_CHARS),
  });
  if (flags.get('json') === true) {
    io.out(
      JSON.stringify(
        { review: r.review, addendum: r.addendum, ledger: r.ledger, verification: r.verification },
        null,
        2,
      ),
    );
    return r.verification.ok ? EXIT.PASS : EXIT.FAIL;
  }
  const v = r.review;
  io.out(
    visible(
      `review recorded: ${v.anomaly ?? 'the run as a whole'}, ${v.verdict}, by ${v.by}, ledger record ${v.seq} (head ${v.head.slice(0, 12)}…)`,
    ),
  );
  io.out(visible(`signed addendum: ${r.addendum}`));
  io.out(r.verification.ok ? 'verified with every review so far' : 'VERIFICATION FAILED after recording');
  return r.verification.ok ? EXIT.PASS : EXIT.FAIL;
}
