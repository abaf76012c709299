/**
 * probe-lab export-key [--out FILE]: the signer's public key as one allowed_signers line, written
 * on purpose rather than left beside every report. Whoever receives it gets the signer's claim,
 * not proof: it is worth trusting only if it came from the signer over a channel they trust.
 */
import { writeFileAtomic } from '../util/atomic-file';
import { allowedSignersLine, keyFingerprint, loadOrCreateSigningKey } from '../reports/keys';
import { EXIT, parseCommand, type CommandSpec, type Io } from './common';

const EXPORT_KEY: CommandSpec = {
  name: 'export-key',
  summary: "write your report signer's public key as one allowed_signers line",
  usage: '[--out FILE]',
  positionals: { min: 0, max: 0 },
  options: { out: { type: 'string', value: 'FILE', help: 'write it to FILE instead of stdout' } },
  notes: [
    "The line is the signer's claim, not proof: whoever receives it should compare its fingerprint with you over a channel they trust before adding it to their allowed_signers.",
  ],
};

export function exportKeyText(): { text: string; fingerprint: string } {
  const key = loadOrCreateSigningKey();
  const fingerprint = keyFingerprint(key.openssh) ?? '';
  const text = [
    `# Probe Lab report signer ${fingerprint}, exported ${new Date().toISOString()}.`,
    "# This is the signer's claim, not proof: trust it only if it reached you from the signer",
    '# by a channel you trust (compare the fingerprint with them), then add it to your own',
    '# allowed_signers or pass it to `probe-lab verify --allowed-signers`.',
    allowedSignersLine(key.openssh),
    '',
  ].join('\n');
  return { text, fingerprint };
}

export async function exportKeyCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(EXPORT_KEY, argv, io);
  if (!args) return EXIT.PASS;
  const out = args.flags.get('out');
  const { text, fingerprint } = exportKeyText();
  if (typeof out !== 'string') {
    io.out(text.trimEnd());
    return EXIT.PASS;
  }
  writeFileAtomic(out, text, 0o644);
  io.err(`wrote the signer's key ${fingerprint} to ${out} (the signer's claim, not proof)`);
  return EXIT.PASS;
}
