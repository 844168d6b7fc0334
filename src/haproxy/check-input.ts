/**
 * The renderer's input checked against strict allow-lists (render-config.ts's injection safety):
 * every value that reaches the config text is refused with {@link HaproxyConfigError} unless it
 * matches, whatever the caller validated before. Pure.
 */
import { ALGORITHMS, type Algorithm, PROTOCOLS, type Protocol } from '../spec/types.js';
import type { ConfigPaths, LbServer, RenderInput, ServerTemplate } from './render-input.js';

/** Thrown when a value would not be safe (or valid) in the config text. */
export class HaproxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HaproxyConfigError';
  }
}

// Allow-lists. Anything outside them is refused, whatever the caller validated before.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const SERVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_HOST_LENGTH = 253;
const MAX_SERVER_NAME_LENGTH = 64;
/** HAProxy timers are milliseconds in a signed 32-bit int: at most 2147483 s. */
const MAX_INTERVAL_S = 2_147_483;
const MAX_FALL_RISE = 1_000_000;
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?[0-9])$`);
const IPV6_CIDR = /^[0-9a-f:.]{2,45}\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$/;
const IPV6_ADDRESS =
  /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$|^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,6}:(\d{1,3}\.){3}\d{1,3}$/;
const PATH = /^\/[A-Za-z0-9_./-]+$/;
/** A request path and query in RFC 3986's characters, `%` only as `%XX` (as the spec checks it). */
const URL_PATH = /^\/(?:[A-Za-z0-9\-._~!&()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const MAX_URL_PATH_LENGTH = 1024;

export function fail(what: string, value: unknown, rule: string): never {
  throw new HaproxyConfigError(
    `refusing to render the HAProxy config: ${what} ${JSON.stringify(value)} ${rule}`,
  );
}

function checkInt(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(what, value, `is not an integer in ${min}..${max}`);
  }
  return value;
}

function checkMatch(what: string, value: unknown, re: RegExp, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength || !re.test(value)) {
    fail(what, value, `does not match ${re} (at most ${maxLength} characters)`);
  }
  return value;
}

function checkOneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(what, value, `is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Orders `r2` before `r10`: digit runs compare as numbers, the rest by code unit. */
function compareNatural(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i] as string;
    const y = cb[i] as string;
    if (x === y) continue;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const diff = x.replace(/^0+/, '').length - y.replace(/^0+/, '').length;
      if (diff !== 0) return diff;
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

export interface Checked {
  name: string;
  template: ServerTemplate | undefined;
  paths: ConfigPaths;
  /** The spec names security groups: only the allow-list's sources get in. */
  restricted: boolean;
  servicePort: number;
  protocol: Protocol;
  algorithm: Algorithm;
  affinity: boolean;
  /** GET of this path is the health check; "" = a TCP (or, for https, SSL hello) check. */
  healthCheckPath: string;
  interval: number;
  fall: number;
  rise: number;
  servers: LbServer[];
  /** Names of `servers` that join (start DOWN). */
  joining: Set<string>;
}

/** The spec and servers as the config uses them, every value checked; servers in natural order. */
export function checkInput(input: RenderInput): Checked {
  const { spec, servers } = input;
  if (typeof spec.SessionAffinity !== 'boolean') {
    fail('SessionAffinity', spec.SessionAffinity, 'is not a boolean');
  }
  if (!Array.isArray(servers)) fail('servers', servers, 'is not a list');
  if (spec.SecurityGroups !== null && !Array.isArray(spec.SecurityGroups)) {
    fail('SecurityGroups', spec.SecurityGroups, 'is neither null nor a list');
  }
  const seen = new Set<string>();
  const checkedServers = servers.map((s, i): LbServer => {
    const name = checkMatch(`servers[${i}].name`, s.name, SERVER_NAME, MAX_SERVER_NAME_LENGTH);
    if (seen.has(name)) fail(`servers[${i}].name`, name, 'is used by two servers');
    seen.add(name);
    return {
      name,
      host: checkMatch(`servers[${i}].host`, s.host, HOST, MAX_HOST_LENGTH),
      port: checkInt(`servers[${i}].port`, s.port, 1, 65535),
    };
  });
  const t = input.template;
  if (t && servers.length > 0) fail('servers', servers.length, 'must be empty with a server template');
  return {
    name: checkMatch('Name', spec.Name, DNS_LABEL, 63),
    template: t && {
      count: checkInt('template.count', t.count, 1, 10_000),
      host: checkMatch('template.host', t.host, HOST, MAX_HOST_LENGTH),
      port: checkInt('template.port', t.port, 1, 65535),
    },
    paths: {
      cert: checkMatch('paths.cert', input.paths?.cert, PATH, 200),
      allow: checkMatch('paths.allow', input.paths?.allow, PATH, 200),
      ...(input.paths?.state !== undefined
        ? { state: checkMatch('paths.state', input.paths.state, PATH, 200) }
        : {}),
      ...(input.paths?.settle !== undefined
        ? { settle: checkMatch('paths.settle', input.paths.settle, PATH, 200) }
        : {}),
    },
    // Group names never reach the text: only whether there are any.
    restricted: Array.isArray(spec.SecurityGroups) && spec.SecurityGroups.length > 0,
    servicePort: checkInt('ServicePort', spec.ServicePort, 1, 65535),
    protocol: checkOneOf('Protocol', spec.Protocol, PROTOCOLS),
    algorithm: checkOneOf('Algorithm', spec.Algorithm, ALGORITHMS),
    affinity: spec.SessionAffinity,
    healthCheckPath: checkHealthCheckPath(spec),
    interval: checkInt('HealthCheckInterval', spec.HealthCheckInterval, 1, MAX_INTERVAL_S),
    fall: checkInt('HealthCheckFall', spec.HealthCheckFall, 1, MAX_FALL_RISE),
    rise: checkInt('HealthCheckRise', spec.HealthCheckRise, 1, MAX_FALL_RISE),
    servers: checkedServers.sort((a, b) => compareNatural(a.name, b.name)),
    joining: checkJoining(input.joining, seen),
  };
}

/** Joining servers: names of the servers, nothing else. */
function checkJoining(joining: unknown, servers: Set<string>): Set<string> {
  if (joining === undefined) return new Set();
  if (!Array.isArray(joining)) fail('joining', joining, 'is not a list');
  for (const name of joining)
    if (typeof name !== 'string' || !servers.has(name))
      fail('joining server', name, 'is not one of the servers');
  return new Set(joining as string[]);
}

/** HealthCheckPath: "", or a URL path for an HTTP protocol. */
function checkHealthCheckPath(spec: RenderInput['spec']): string {
  // Absent in a spec from before the field (records read back fill it in; this is the last line).
  const path: unknown = spec.HealthCheckPath === undefined ? '' : spec.HealthCheckPath;
  if (path === '') return '';
  const checked = checkMatch('HealthCheckPath', path, URL_PATH, MAX_URL_PATH_LENGTH);
  if (spec.Protocol !== 'http' && spec.Protocol !== 'httpsTerm')
    fail('HealthCheckPath', checked, `is only for Protocol http or httpsTerm, not ${spec.Protocol}`);
  return checked;
}

/** True for an IPv4 CIDR (`10.0.0.0/8`) or an IPv6 one (`fd00::/8`), lowercase, nothing else. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 50) return false;
  if (IPV4_CIDR.test(value)) return true;
  if (!IPV6_CIDR.test(value)) return false;
  const address = value.slice(0, value.lastIndexOf('/'));
  return IPV6_ADDRESS.test(address) && (address.match(/::/g) ?? []).length <= 1;
}
