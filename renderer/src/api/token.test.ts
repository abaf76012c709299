import { describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY, takeToken, type TokenStorage } from './token';

function memoryStorage(
  initial: Record<string, string> = {},
): TokenStorage & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

describe('takeToken', () => {
  it('takes the token from the address, stores it and strips it, keeping other params and the hash', () => {
    const storage = memoryStorage();
    const r = takeToken('http://127.0.0.1:4000/?a=1&token=s3cret#/history', storage);
    expect(r.token).toBe('s3cret');
    expect(storage.data[TOKEN_STORAGE_KEY]).toBe('s3cret');
    expect(r.cleanedUrl).toBe('/?a=1#/history');
    expect(r.cleanedUrl).not.toContain('s3cret');
  });

  it('falls back to sessionStorage after a reload, with nothing to replace', () => {
    const r = takeToken('http://127.0.0.1:4000/#/live', memoryStorage({ [TOKEN_STORAGE_KEY]: 'kept' }));
    expect(r).toEqual({ token: 'kept', cleanedUrl: null });
  });

  it('a fresh token in the address wins over a stale stored one', () => {
    const storage = memoryStorage({ [TOKEN_STORAGE_KEY]: 'old' });
    expect(takeToken('http://127.0.0.1:4000/?token=new', storage).token).toBe('new');
    expect(storage.data[TOKEN_STORAGE_KEY]).toBe('new');
  });

  it('answers null when there is no token anywhere', () => {
    expect(takeToken('http://127.0.0.1:4000/', memoryStorage())).toEqual({ token: null, cleanedUrl: null });
  });
});
