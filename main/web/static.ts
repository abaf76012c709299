/**
 * Serving the built renderer (out/renderer) as static files: the one path-traversal check, the MIME
 * table and the Content-Security-Policy. Shared by `probe-lab serve` and the Electron app's
 * `app://` protocol, so both transports refuse the same paths and send the same policy.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { REPORT_CSS } from '../model/report-style';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Unknown types are served as opaque bytes; with `nosniff` the browser will not run them. */
export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL pathname (still percent-encoded, as it arrived) to a file under `root`, or null when
 * it would leave `root`, is malformed, or names something no browser asks for (NUL, backslash,
 * dot-files). `/` and folders-by-slash mean `index.html`.
 */
export function resolveStaticPath(root: string, pathname: string): string | null {
  // An encoded slash, backslash or dot is never what a browser asks for; only traversal needs it.
  if (/%(2f|5c|2e|00)/i.test(pathname)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((part) => part.startsWith('.'))) return null;
  if (decoded.endsWith('/')) decoded += 'index.html';
  const base = resolve(root);
  const file = resolve(base, '.' + decoded);
  return file.startsWith(base + sep) ? file : null;
}

export interface StaticFile {
  file: string;
  type: string;
  body: Buffer;
}

/**
 * Reads a static file, or null (404). After the lexical check, the real path must still be inside
 * the real root, so a symlink in the build output cannot point the server elsewhere.
 */
export async function readStatic(root: string, pathname: string): Promise<StaticFile | null> {
  const file = resolveStaticPath(root, pathname);
  if (file === null) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(realRoot + sep)) return null;
    if (!(await stat(realFile)).isFile()) return null;
    return { file, type: mimeType(file), body: await readFile(realFile) };
  } catch {
    return null;
  }
}

/** The CSP source that allows exactly the HTML report's style sheet (see main/model/report-style.ts). */
export const REPORT_STYLE_SOURCE = `'sha256-${createHash('sha256').update(REPORT_CSS).digest('base64')}'`;

/**
 * The page's policy: only our own scripts and styles, no plugins, no framing, no forms, and the
 * only remote endpoints are the ones passed in (browser mode's loopback event socket). It mirrors
 * the meta tag in renderer/index.html; the header also covers `frame-ancestors`, which a meta tag
 * cannot.
 */
export function contentSecurityPolicy(connectSrc: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // The report's one style sheet, by hash: the report's srcdoc iframe inherits this policy.
    `style-src 'self' ${REPORT_STYLE_SOURCE}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectSrc].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every served file carries, besides its type and the policy. */
export const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
