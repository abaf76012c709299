// Shared by the sample validators: read the pack named on the command line, or say why not.
// Exit 2 = usage; an unreadable or unparsable pack is a FAIL verdict (exit 1), as a gate would say.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export function loadPack(tool) {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: ${tool} <pack.json>`);
    process.exit(2);
  }
  const name = basename(file);
  try {
    return { name, pack: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    console.log(`FAIL ${name}: PACK_PARSE ${String(err.message).split('\n')[0]}`);
    process.exit(1);
  }
}
