/**
 * Who may talk to `probe-lab serve`. Loopback alone is not enough: any local process, and any web
 * page through DNS rebinding or a cross-site request, can reach 127.0.0.1. So every API call needs
 * the bearer token printed at start-up, the Host header must name our loopback address (a rebound
 * name would not), and a browser's Origin, when sent, must be ours.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** 32 random bytes: guessing it is not a plan, even for a local process with all day. */
export const TOKEN_BYTES = 32;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('hex');
}

/**
 * Constant-time comparison. Both sides are hashed first, so neither the length nor the first
 * differing byte of the token leaks through timing.
 */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer ([^\s]+)$/.exec(headers.authorization ?? '');
  return m?.[1] ?? null;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The Host header must be ours exactly: a DNS-rebound name (evil.example:port) is refused. */
export function hostAllowed(headers: IncomingHttpHeaders, port: number): boolean {
  const host = headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).includes(host);
}

/** No Origin (curl, the CLI, same-origin GET) is fine; a browser's Origin must be ours. */
export function originAllowed(headers: IncomingHttpHeaders, port: number): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/**
 * The page cookie lets a reload open the console after the page stripped `?token=` from the
 * address (the renderer keeps the token in sessionStorage). It is derived from the token, opens
 * only the page, never the API (so a cross-site request riding on it gains nothing), and its name
 * carries the port because cookies are shared by every port of 127.0.0.1.
 */
export function pageCookieName(port: number): string {
  return `probe_lab_page_${port}`;
}

export function pageCookieValue(token: string): string {
  return createHmac('sha256', token).update('probe-lab page cookie v1').digest('hex');
}

export function pageCookieHeader(port: number, token: string): string {
  return `${pageCookieName(port)}=${pageCookieValue(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

export function pageCookieMatches(headers: IncomingHttpHeaders, port: number, token: string): boolean {
  const name = pageCookieName(port) + '=';
  for (const part of (headers.cookie ?? '').split(';')) {
    const p = part.trim();
    if (p.startsWith(name)) return tokenMatches(pageCookieValue(token), p.slice(name.length));
  }
  return false;
}
