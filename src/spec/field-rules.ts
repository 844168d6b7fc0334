/**
 * The rules of the one-value fields that have their own (schema.ts names them in its table):
 * names, paths, addresses, image references, certificates, the replica count, signals. The list
 * and map fields' are in list-rules.ts. Pure.
 */
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import { type CrossReport, INVALID, type ParseContext, type Parsed, type Site } from './field-schema.js';
import { checkSslCert, normaliseSslCert } from './ssl-cert.js';
import { suggestOneOf } from './suggest.js';
import { MAX_REPLICAS, type ServiceSpec } from './types.js';
import { describeValue, integer, kindOf, text } from './value-checks.js';

// Name, SecurityGroups ------------------------------------------------------------------------

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function dnsLabel(s: string, site: Site): Parsed<string> {
  if (DNS_LABEL.test(s)) return s;
  const hint =
    s !== s.toLowerCase() && DNS_LABEL.test(s.toLowerCase()) ? `; use lowercase: "${s.toLowerCase()}"` : '';
  site.issue(
    `must be a DNS label: 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit; got ${describeValue(s)}${hint}`,
  );
  return INVALID;
}

/** A security group's name (here and in `svc sg`): letters, digits, - _ ., at most 63, alphanumeric at both ends. */
export const SECURITY_GROUP_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/;

// WorkingDir, NetMode, FIP -------------------------------------------------------------------

export function absolutePath(s: string, site: Site): Parsed<string> {
  if (s === '' || s.startsWith('/')) return s;
  site.issue(`must be an absolute path (starting with /), got ${describeValue(s)}`);
  return INVALID;
}

export function netMode(s: string, site: Site): Parsed<string> {
  if (s === '' || s.toLowerCase() === 'bridge') return s.toLowerCase();
  site.issue(`only bridge is supported (or "" for the default), got ${describeValue(s)}`);
  return INVALID;
}

export function hostAddress(s: string, site: Site): Parsed<string> {
  if (s === '' || isIP(s) !== 0) return s;
  site.issue(`expected an IPv4 or IPv6 address such as 127.0.0.1, got ${describeValue(s)}`);
  return INVALID;
}

// HealthCheckPath ----------------------------------------------------------------------------

/**
 * An absolute request path (and query) in RFC 3986's characters, `%` only as `%XX`: nothing that
 * HAProxy's config syntax gives a meaning to (blanks, quotes, `#`, `\\`, `$`) can get in.
 */
export const HEALTH_CHECK_PATH = /^\/(?:[A-Za-z0-9\-._~!&()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
export const MAX_HEALTH_CHECK_PATH = 1024;

export function healthCheckPath(s: string, site: Site): Parsed<string> {
  if (s === '') return s;
  if (!s.startsWith('/')) {
    site.issue(`must be an absolute path such as /healthz, got ${describeValue(s)}`);
    return INVALID;
  }
  if (s.length > MAX_HEALTH_CHECK_PATH || !HEALTH_CHECK_PATH.test(s)) {
    site.issue(
      `must be a URL path of at most ${MAX_HEALTH_CHECK_PATH} characters: letters, digits and - . _ ~ ! & ( ) * + , ; = : @ / ?, other characters %-encoded (%20 for a blank); got ${describeValue(s)}`,
    );
    return INVALID;
  }
  return s;
}

/** An HTTP check needs HTTP replicas: only with Protocol http or httpsTerm. */
export function healthCheckPathAndProtocol(
  value: string,
  spec: Partial<ServiceSpec>,
  report: CrossReport,
): void {
  if (value === '' || spec.Protocol === undefined) return;
  if (spec.Protocol !== 'http' && spec.Protocol !== 'httpsTerm') {
    report(
      `HealthCheckPath is only for Protocol http or httpsTerm (Protocol is ${spec.Protocol}, checked by connecting); remove it or change the protocol`,
    );
  }
}

// Image -------------------------------------------------------------------------------------

/** Docker's reference grammar (distribution/reference): domain[:port]/path[:tag][@sha256:hex]. */
export const IMAGE_REF = (() => {
  const alnum = '[a-z0-9]+';
  const pathComponent = `${alnum}(?:(?:[._]|__|-+)${alnum})*`;
  const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
  const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
  const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
  return new RegExp(`^(${name})(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);
})();

/** True when `s` is a valid docker image reference. */
export function isImageReference(s: string): boolean {
  if (s.length > 512) return false;
  const m = IMAGE_REF.exec(s);
  return m !== null && (m[1]?.length ?? 0) <= 255;
}

export function imageReference(s: string, site: Site): Parsed<string> {
  if (isImageReference(s)) return s;
  let hint = '';
  if (s === '') hint = '';
  else if (isImageReference(s.toLowerCase())) hint = '; repository names must be lowercase';
  else if (s.includes('@') && !/@sha256:[a-f0-9]{64}$/.test(s))
    hint = '; a digest is @sha256: and 64 lowercase hex digits';
  site.issue(
    `expected an image reference such as nginx, nginx:1.27 or registry.example.com:5000/team/app:tag, got ${describeValue(s)}${hint}`,
  );
  return INVALID;
}

// SSLCert -----------------------------------------------------------------------------------

/** PEM text of a certificate (chain) and its key, checked and normalised; "" = none. */
export function sslCert(raw: unknown, site: Site, ctx: ParseContext): Parsed<string> {
  // Never show the value: it holds a private key.
  if (typeof raw !== 'string') {
    site.issue(`expected PEM text, got ${kindOf(raw)}`);
    return INVALID;
  }
  if (raw.trim() === '') return '';
  const problems = checkSslCert(raw, { allowExpired: ctx.allowExpired ?? false });
  for (const p of problems) site.issue(p);
  return problems.length > 0 ? INVALID : normaliseSslCert(raw);
}

/** SSLCert is required with Protocol httpsTerm, and only used with it. */
export function sslCertAndProtocol(value: string, spec: Partial<ServiceSpec>, report: CrossReport): void {
  if (spec.Protocol === undefined) return;
  if (spec.Protocol === 'httpsTerm' && value === '') {
    report(
      'required with Protocol httpsTerm: a certificate and its private key as PEM (--ssl-cert FILE)',
      'Protocol',
    );
  } else if (spec.Protocol !== 'httpsTerm' && value !== '') {
    report(
      `only used with Protocol httpsTerm (Protocol is ${spec.Protocol}); remove it or change the protocol`,
    );
  }
}

// Replicas ----------------------------------------------------------------------------------

/** 1–MAX_REPLICAS; 0 only where the context allows it (`svc scale NAME=0`). */
export function replicas(raw: unknown, site: Site, ctx: ParseContext): Parsed<number> {
  const n = integer(raw, site, 0, MAX_REPLICAS);
  if (n === 0 && !ctx.allowZeroReplicas) {
    site.issue(
      `must be between 1 and ${MAX_REPLICAS} at create, got 0 (0 replicas is only for \`svc scale NAME=0\`)`,
    );
    return INVALID;
  }
  return n;
}

// StopSignal --------------------------------------------------------------------------------

const SIGNAL_NAMES = Object.keys(osConstants.signals);

export function stopSignal(raw: unknown, site: Site): Parsed<string> {
  let s: string;
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    s = String(raw);
  } else {
    const t = text(raw, site);
    if (t === INVALID) return INVALID;
    s = t;
  }
  if (s === '') return '';
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return String(n);
    site.issue(`a signal number must be between 1 and 64, got ${s}`);
    return INVALID;
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (SIGNAL_NAMES.includes(name)) return name;
  const guess = suggestOneOf(name, SIGNAL_NAMES);
  site.issue(
    `expected a signal name such as SIGTERM or SIGINT, or a number 1–64, got ${describeValue(raw)}${guess ? `; did you mean ${guess}?` : ''}`,
  );
  return INVALID;
}
