/**
 * Reading an OpenSSH allowed_signers file the way `ssh-keygen -Y verify` does (OpenSSH 9.x
 * sshsig.c, misc.c, match.c): a line is `principals [options] keytype base64 [comment]`, and a
 * signature is accepted when ANY line matches the principal, the key, the namespace and the time.
 * A line ssh-keygen cannot parse is skipped, never fatal. The differential test
 * (allowed-signers.test.ts) holds this to the real ssh-keygen over a corpus of variants.
 */
import { openSshKeyId } from './sshsig';

export interface AllowedSigner {
  /** The principals pattern list as written (after ssh's quote handling), e.g. `a,!b,probe-*`. */
  principals: string;
  /** null when the line has no namespaces= option (valid for every namespace). */
  namespaces: string | null;
  certAuthority: boolean;
  /** Seconds since the epoch; 0 when absent, as in ssh. */
  validAfter: number;
  validBefore: number;
  /** `<type> <base64>` */
  openssh: string;
  line: number;
}

const WHITESPACE = ' \t\r\n';

/** misc.c strdelimw: one token, a leading or embedded `"` quoting up to the next `"`. */
function strdelimw(s: string): { token: string; rest: string | null } | null {
  const at = [...s].findIndex((c) => WHITESPACE.includes(c) || c === '"');
  if (at < 0) return { token: s, rest: null };
  if (s[at] === '"') {
    const unq = s.slice(0, at) + s.slice(at + 1);
    const close = unq.indexOf('"', at);
    if (close < 0) return null;
    return { token: unq.slice(0, close), rest: skipWs(unq.slice(close + 1)) };
  }
  return { token: s.slice(0, at), rest: skipWs(s.slice(at + 1)) };
}

const skipWs = (s: string): string => s.replace(/^[ \t\r\n]*/, '');

/** match.c match_pattern: `*` any run, `?` one character, everything else literal. */
export function matchPattern(value: string, pattern: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** match.c match_pattern_list: 1 on a positive match, -1 when a `!pattern` matches, else 0. */
export function matchPatternList(value: string, list: string): 1 | 0 | -1 {
  let positive = false;
  for (const raw of list.split(',')) {
    if (raw === '' && list.endsWith(',')) continue;
    const negated = raw.startsWith('!');
    const sub = negated ? raw.slice(1) : raw;
    // ssh copies a subpattern into a 1024-byte buffer and gives up on a longer one.
    if (sub.length >= 1023) return 0;
    if (matchPattern(value, sub)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** sshkey_read: `<type> <base64>` at the start of `s`, as our comparable openssh form. */
function readKey(s: string): string | null {
  const m = /^([^ \t]+)[ \t]+([^ \t]*)/.exec(s);
  if (!m?.[1] || !m[2]) return null;
  const b64 = m[2].replace(/[\r\n]+$/, '');
  const openssh = `${m[1]} ${b64}`;
  return openSshKeyId(openssh) === null ? null : openssh;
}

/** sshkey_advance_past_options: the options run ends at an unquoted blank. */
function advancePastOptions(s: string): number | null {
  let quoted = false;
  let i = 0;
  for (; i < s.length && (quoted || (s[i] !== ' ' && s[i] !== '\t')); i++) {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  return i >= s.length && quoted ? null : i;
}

/** misc.c parse_absolute_time: YYYYMMDD[HHMM[SS]] with an optional Z or UTC suffix. */
export function parseAbsoluteTime(s: string): number | null {
  let body = s;
  let utc = false;
  if (body.length > 1 && /z$/i.test(body)) {
    utc = true;
    body = body.slice(0, -1);
  } else if (body.length > 3 && /utc$/i.test(body)) {
    utc = true;
    body = body.slice(0, -3);
  }
  if (![8, 12, 14].includes(body.length) || !/^\d+$/.test(body)) return null;
  const n = (from: number, len: number): number => Number(body.slice(from, from + len) || '0');
  const [y, mo, d, h, mi, se] = [n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2)];
  // strptime's ranges; mktime/timegm then normalise (Feb 31 is Mar 3), as Date does.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 61) return null;
  const ms = utc ? Date.UTC(y, mo - 1, d, h, mi, se) : new Date(y, mo - 1, d, h, mi, se).getTime();
  return ms < 0 ? null : Math.floor(ms / 1000);
}

interface SigOpts {
  ca: boolean;
  namespaces: string | null;
  validAfter: number;
  validBefore: number;
}

/** misc.c opt_dequote: a `"`-quoted value, `\"` inside it standing for `"`. */
function dequote(s: string): { value: string; rest: string } | null {
  if (s[0] !== '"') return null;
  let out = '';
  let i = 1;
  for (; i < s.length && s[i] !== '"'; i++) {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    out += s[i];
  }
  if (i >= s.length) return null;
  return { value: out, rest: s.slice(i + 1) };
}

/** sshsig.c sshsigopt_parse; null when ssh would refuse the options (the line is then skipped). */
function parseSigOpts(opts: string): SigOpts | null {
  const ret: SigOpts = { ca: false, namespaces: null, validAfter: 0, validBefore: 0 };
  let s = opts;
  const take = (name: string): boolean => {
    if (s.slice(0, name.length + 1).toLowerCase() !== `${name}=`) return false;
    s = s.slice(name.length + 1);
    return true;
  };
  while (s && s[0] !== ' ' && s[0] !== '\t') {
    if (s.slice(0, 14).toLowerCase() === 'cert-authority') {
      ret.ca = true;
      s = s.slice(14);
    } else if (take('namespaces')) {
      if (ret.namespaces !== null) return null;
      const q = dequote(s);
      if (!q) return null;
      ret.namespaces = q.value;
      s = q.rest;
    } else {
      const which = take('valid-after') ? 'validAfter' : take('valid-before') ? 'validBefore' : null;
      if (which) {
        if (ret[which] !== 0) return null;
        const q = dequote(s);
        const t = q ? parseAbsoluteTime(q.value) : null;
        if (!q || !t) return null;
        ret[which] = t;
        s = q.rest;
      }
    }
    if (!s || s[0] === ' ' || s[0] === '\t') break;
    if (s[0] !== ',') return null;
    s = s.slice(1);
    if (!s) return null;
  }
  return ret;
}

/** One line as sshsig.c parse_principals_key_and_options reads it; null when it would skip it. */
function parseLine(raw: string, lineNo: number): AllowedSigner | null {
  const line = raw.replace(/^[ \t]*/, '');
  if (line === '' || line.startsWith('#') || /^[\r\n]/.test(line)) return null;
  const first = strdelimw(line);
  if (!first || first.rest === null) return null;
  const principals = first.token;
  let cp = first.rest;
  let openssh = readKey(cp);
  let opts: SigOpts = { ca: false, namespaces: null, validAfter: 0, validBefore: 0 };
  if (openssh === null) {
    const end = advancePastOptions(cp);
    if (end === null || end >= cp.length) return null;
    const parsed = parseSigOpts(cp.slice(0, end));
    cp = cp.slice(end + 1).replace(/^[ \t]*/, '');
    openssh = readKey(cp);
    if (openssh === null || parsed === null) return null;
    opts = parsed;
  }
  return {
    principals,
    namespaces: opts.namespaces,
    certAuthority: opts.ca,
    validAfter: opts.validAfter,
    validBefore: opts.validBefore,
    openssh,
    line: lineNo,
  };
}

/** Every line ssh-keygen could use; comments, blanks and lines it cannot read are left out. */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = parseLine(raw, i + 1);
    if (s) out.push(s);
  });
  return out;
}

/**
 * The plain keys (no CAs: reports are signed by plain keys) that may sign as `identity` in
 * `namespace` at `atSec`, line by line as sshsig.c check_allowed_keys_line decides.
 */
export function allowedKeysFor(
  signers: AllowedSigner[],
  identity: string,
  namespace: string,
  atSec: number = Math.floor(Date.now() / 1000),
): string[] {
  return signers
    .filter((s) => !s.certAuthority)
    .filter((s) => matchPatternList(identity, s.principals) === 1)
    .filter((s) => s.namespaces === null || matchPatternList(namespace, s.namespaces) === 1)
    .filter((s) => s.validAfter === 0 || atSec >= s.validAfter)
    .filter((s) => s.validBefore === 0 || atSec <= s.validBefore)
    .map((s) => s.openssh);
}
