/**
 * The original's request signature (HYPER-HMAC-SHA256, an AWS Signature V4 variant) and its
 * verification. Pure, apart from the HMACs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'HYPER-HMAC-SHA256';
export const SERVICE = 'hyper';
export const TERMINATOR = 'hyper_request';
/** How far X-Hyper-Date may be from the server's clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;
/** Headers a signature must cover. */
export const REQUIRED_SIGNED_HEADERS = ['host', 'x-hyper-content-sha256', 'x-hyper-date'] as const;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Percent-escapes everything but A-Za-z0-9-_.~ (UTF-8 bytes). */
export function escapeComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The path without its leading slash: empty segments dropped, each segment (decoded, then) escaped. */
export function canonicalPath(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => escapeComponent(decode(s)))
    .join('/');
}

/** The query, `key=value` pairs escaped and sorted by key (then value), joined by `&`. */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = decode((eq < 0 ? p : p.slice(0, eq)).replace(/\+/g, ' '));
      const v = eq < 0 ? '' : decode(p.slice(eq + 1).replace(/\+/g, ' '));
      return [escapeComponent(k), escapeComponent(v)] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The Host header as signed: its port kept unless it is 80 or 443. */
export function canonicalHost(host: string): string {
  return host.trim().replace(/:(80|443)$/, '');
}

export interface CanonicalInput {
  method: string;
  /** The request path, without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** Header values by lowercase name. */
  headers: Record<string, string | undefined>;
  /** Lowercase header names, in the order of SignedHeaders. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(r: CanonicalInput): string {
  const headerLines = r.signedHeaders
    .map((name) => {
      const raw = (r.headers[name] ?? '').trim().replace(/\s+/g, ' ');
      return `${name}:${name === 'host' ? canonicalHost(raw) : raw}\n`;
    })
    .join('');
  return [
    r.method.toUpperCase(),
    canonicalPath(r.path),
    canonicalQuery(r.query),
    headerLines,
    r.signedHeaders.join(';'),
    r.payloadHash,
  ].join('\n');
}

export function stringToSign(date: string, scope: string, canonical: string): string {
  return [ALGORITHM, date, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, day: string, region: string): Buffer {
  const kDate = hmac(`HYPER${secret}`, day);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, SERVICE);
  return hmac(kService, TERMINATOR);
}

export function signature(secret: string, day: string, region: string, toSign: string): string {
  return createHmac('sha256', signingKey(secret, day, region))
    .update(toSign, 'utf8')
    .digest('hex');
}

export interface ParsedAuthorization {
  accessKey: string;
  day: string;
  region: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `HYPER-HMAC-SHA256 Credential=AK/DAY/REGION/hyper/hyper_request, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const prefix = `${ALGORITHM} `;
  if (!header.startsWith(prefix)) return `expected ${ALGORITHM} or Bearer authorization`;
  const parts = new Map<string, string>();
  for (const part of header.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signed = parts.get('SignedHeaders');
  const sig = parts.get('Signature');
  if (!credential || !signed || !sig) return 'Authorization lacks Credential, SignedHeaders or Signature';
  const c = credential.split('/');
  if (c.length !== 5 || c[3] !== SERVICE || c[4] !== TERMINATOR)
    return `Credential must be AK/YYYYMMDD/REGION/${SERVICE}/${TERMINATOR}`;
  const [accessKey, day, region] = c as [string, string, string];
  if (!/^\d{8}$/.test(day)) return 'Credential date must be YYYYMMDD';
  if (!/^[0-9a-f]{64}$/i.test(sig)) return 'Signature must be 64 hex digits';
  return {
    accessKey,
    day,
    region,
    signedHeaders: signed.split(';').map((h) => h.trim().toLowerCase()),
    signature: sig.toLowerCase(),
  };
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or undefined. */
export function parseHyperDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  const t = Date.UTC(y as number, (mo as number) - 1, d, h, mi, se);
  return Number.isNaN(t) ? undefined : t;
}

/** Equal hex strings, compared in constant time. */
export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export interface VerifyInput {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  now: number;
}

/** Checks a signed request; throws an AuthFailure (answered 401) saying why it is refused. */
export function verifySignature(
  auth: ParsedAuthorization,
  r: VerifyInput,
  secretOf: (accessKey: string) => string | undefined,
): void {
  for (const h of REQUIRED_SIGNED_HEADERS) {
    if (!auth.signedHeaders.includes(h)) throw new AuthFailure(`SignedHeaders must include ${h}`);
  }
  for (const h of auth.signedHeaders) {
    if (r.headers[h] === undefined) throw new AuthFailure(`signed header ${h} is missing`);
  }
  const date = r.headers['x-hyper-date'] as string;
  const t = parseHyperDate(date);
  if (t === undefined) throw new AuthFailure('X-Hyper-Date must be YYYYMMDDTHHMMSSZ');
  if (Math.abs(r.now - t) > MAX_SKEW_MS)
    throw new AuthFailure('X-Hyper-Date is more than 5 minutes off the server clock');
  if (date.slice(0, 8) !== auth.day) throw new AuthFailure('the Credential date is not the X-Hyper-Date day');
  const bodyHash = sha256Hex(r.body);
  if (!safeEqualHex(bodyHash, (r.headers['x-hyper-content-sha256'] as string).toLowerCase()))
    throw new AuthFailure('X-Hyper-Content-Sha256 does not match the body');
  const secret = secretOf(auth.accessKey);
  // An unknown key costs the same work as a known one.
  const canonical = canonicalRequest({
    method: r.method,
    path: r.path,
    query: r.query,
    headers: r.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash: bodyHash,
  });
  const scope = `${auth.day}/${auth.region}/${SERVICE}/${TERMINATOR}`;
  const expected = signature(
    secret ?? '\0unknown',
    auth.day,
    auth.region,
    stringToSign(date, scope, canonical),
  );
  if (!safeEqualHex(expected, auth.signature) || secret === undefined)
    throw new AuthFailure('the signature does not match');
}

/** Why a request was not authenticated (always answered 401, the reason in the message). */
export class AuthFailure extends Error {}
