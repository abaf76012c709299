import { describe, expect, it } from 'vitest';
import { didYouMean } from './suggest';

describe('didYouMean', () => {
  it('finds the word a typo meant', () => {
    expect(didYouMean('--otu', ['--out', '--json', '--confirm'])).toBe('--out');
    expect(didYouMean('quick-concurency', ['quick-concurrency', 'quick-duration'])).toBe('quick-concurrency');
    expect(didYouMean('rnu', ['plans', 'run', 'verify'])).toBe('run');
    expect(didYouMean('--conf', ['--confirm', '--out'])).toBe('--confirm');
  });

  it('says nothing when no candidate is close', () => {
    expect(didYouMean('deploy', ['plans', 'run', 'verify'])).toBeUndefined();
    expect(didYouMean('--x', ['--out', '--json'])).toBeUndefined();
    expect(didYouMean('run', ['run'])).toBeUndefined();
  });
});
