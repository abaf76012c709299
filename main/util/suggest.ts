/** "Did you mean ...?" for mistyped commands, flags, plan ids and metric names. */
import { distance } from 'fastest-levenshtein';

/**
 * How far a typo may be from what was meant, as a share of its length. 0.4 accepts two edits in a
 * five-letter word (`--otu` -> `--out`, a transposition) and keeps unrelated short words apart
 * (`run` never suggests `plans`).
 */
const MAX_EDIT_SHARE = 0.4;
/** A swapped pair costs two edits under Levenshtein, so even short words may be two edits away. */
const MIN_EDITS_ALLOWED = 2;
/** A shorter prefix than this ("--c") is too vague to name one option. */
const MIN_PREFIX = 3;

/** The candidate the word most likely meant, or undefined when none is close enough to say. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || candidates.length === 0) return undefined;
  const prefixed = candidates.filter((c) => c !== word && c.startsWith(word));
  if (word.length >= MIN_PREFIX && prefixed.length === 1) return prefixed[0];
  const limit = Math.max(MIN_EDITS_ALLOWED, Math.floor(word.length * MAX_EDIT_SHARE));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== word && bestDistance <= limit ? best : undefined;
}

/** `; did you mean X?` ready to append to a message, or '' when there is nothing to suggest. */
export function didYouMeanText(word: string, candidates: readonly string[]): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? '' : `; did you mean ${s}?`;
}
