/**
 * Browser mode's bearer token: `probe-lab serve` opens the page at `/?token=...`. The token is kept
 * in sessionStorage (so a reload keeps working) and stripped from the address bar, so it does not
 * linger in history, screenshots or a copied link.
 */
export const TOKEN_STORAGE_KEY = 'probe-lab.token';

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface TokenResult {
  token: string | null;
  /** The address without the token, when it had one; null when nothing needs replacing. */
  cleanedUrl: string | null;
}

export function takeToken(href: string, storage: TokenStorage): TokenResult {
  const url = new URL(href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    return { token: fromUrl, cleanedUrl: url.pathname + url.search + url.hash };
  }
  const stored = storage.getItem(TOKEN_STORAGE_KEY);
  return {
    token: stored !== null && stored !== '' ? stored : null,
    cleanedUrl: fromUrl !== null ? stripEmpty(url) : null,
  };
}

function stripEmpty(url: URL): string {
  url.searchParams.delete('token');
  return url.pathname + url.search + url.hash;
}
