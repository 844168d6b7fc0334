/**
 * The load balancer's configuration: a pure function of the service spec and the replica set
 * (SPEC §3 "Load balancer"). The text must be valid for Debian's HAProxy 2.6 (tests) and the
 * official HAProxy 3.x LTS image (production), so it sticks to keywords both accept without
 * deprecation warnings.
 *
 * Injection safety: every value that reaches the text is checked against a strict allow-list
 * here, even though the spec was validated before; a value outside it throws
 * {@link HaproxyConfigError} instead of producing a config. SSLCert never reaches the text: the
 * config only names the path (`paths.cert`) where the caller stores the PEM.
 */
import { ALGORITHMS, type Algorithm, PROTOCOLS, type Protocol, type ServiceSpec } from '../spec/types.js';

/** One backend server: a replica container, found by name through Docker's embedded DNS. */
export interface LbServer {
  /** Server name in HAProxy (`show stat` svname, and the affinity cookie value), e.g. `r1`. */
  name: string;
  /** Container name (or network alias, or IPv4 address) resolvable on the tenant network. */
  host: string;
  port: number;
}

/** Where the config names the files it reads (the LB driver stores them there). */
export interface ConfigPaths {
  /** SSLCert (certificate chain + key, PEM) for `httpsTerm`. */
  cert: string;
  /**
   * The source prefixes a service's security groups allow (one CIDR a line,
   * {@link renderAllowList}); the frontend refuses every other source when the spec names groups.
   */
  allow: string;
}

/**
 * Servers found by DNS instead of listed (Swarm: `tasks.<service>` answers one address per task):
 * `count` slots named `r1`…`rN`, filled and emptied as the answer changes.
 */
export interface ServerTemplate {
  count: number;
  host: string;
  port: number;
}

export interface RenderInput {
  spec: ServiceSpec;
  servers: LbServer[];
  paths: ConfigPaths;
  /** Instead of `servers` (which must then be empty): slots filled from DNS. */
  template?: ServerTemplate;
}

export const FRONTEND_NAME = 'svc_frontend';
/** The abstract socket of the read-only stats (`show stat`). */
export const STATS_SOCKET = 'svc-stats';
export const BACKEND_NAME = 'svc_replicas';
/** Affinity cookie (HTTP modes); its value is the server name. */
export const AFFINITY_COOKIE = 'SVC_SERVER';
/** Name of the `resolvers` section pointing at Docker's embedded DNS. */
export const RESOLVERS_NAME = 'docker';
/**
 * `peers` section of the source-affinity stick table: on a reload the old worker hands its table
 * to the new one over this loopback address, so clients stay pinned across scale, rolling update,
 * security-group changes and certificate swaps.
 */
export const PEERS_NAME = 'svc_peers';
export const LOCAL_PEER = 'svc_lb';
const LOOPBACK = '127.0.0.1';
const PEERS_PORT = 9998;
const PEERS_PORT_ALT = 9997;
export const DOCKER_DNS = '127.0.0.11:53';

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
const MAX_ALLOW_PREFIXES = 100_000;
const PATH = /^\/[A-Za-z0-9_./-]+$/;

function fail(what: string, value: unknown, rule: string): never {
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

interface Checked {
  name: string;
  template: ServerTemplate | undefined;
  paths: ConfigPaths;
  /** The spec names security groups: only the allow-list's sources get in. */
  restricted: boolean;
  servicePort: number;
  protocol: Protocol;
  algorithm: Algorithm;
  affinity: boolean;
  interval: number;
  fall: number;
  rise: number;
  servers: LbServer[];
}

function checkInput(input: RenderInput): Checked {
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
    },
    // Group names never reach the text: only whether there are any.
    restricted: Array.isArray(spec.SecurityGroups) && spec.SecurityGroups.length > 0,
    servicePort: checkInt('ServicePort', spec.ServicePort, 1, 65535),
    protocol: checkOneOf('Protocol', spec.Protocol, PROTOCOLS),
    algorithm: checkOneOf('Algorithm', spec.Algorithm, ALGORITHMS),
    affinity: spec.SessionAffinity,
    interval: checkInt('HealthCheckInterval', spec.HealthCheckInterval, 1, MAX_INTERVAL_S),
    fall: checkInt('HealthCheckFall', spec.HealthCheckFall, 1, MAX_FALL_RISE),
    rise: checkInt('HealthCheckRise', spec.HealthCheckRise, 1, MAX_FALL_RISE),
    servers: checkedServers.sort((a, b) => compareNatural(a.name, b.name)),
  };
}

/** `http` and `httpsTerm` proxy HTTP; `tcp` and `https` (TLS passthrough) proxy TCP. */
export function isHttpMode(protocol: Protocol): boolean {
  return protocol === 'http' || protocol === 'httpsTerm';
}

function section(header: string, lines: string[]): string {
  return [header, ...lines.map((l) => `    ${l}`)].join('\n');
}

/**
 * Renders haproxy.cfg for one service. Pure and deterministic: servers are ordered by name
 * (naturally: r2 before r10), whatever order they come in, so the same service and replica set
 * always give the same bytes.
 */
export function renderHaproxyConfig(input: RenderInput): string {
  const c = checkInput(input);
  const http = isHttpMode(c.protocol);

  const header = [
    `# HAProxy configuration generated by svc for service "${c.name}". Do not edit:`,
    '# svc rewrites it from the service spec and its replicas whenever they change.',
    `# Protocol ${c.protocol}, Algorithm ${c.algorithm}, SessionAffinity ${c.affinity}, ${c.template ? `up to ${c.template.count} servers found by DNS` : `${c.servers.length} server(s)`}.`,
  ].join('\n');

  const sourceAffinity = c.affinity && !http;
  const global = section('global', [
    // Runs in the foreground in master-worker mode (`haproxy -W -db -f ...`); SIGUSR2 to the
    // master reloads. No user/group/chroot/daemon: the container provides the isolation. svc
    // drives HAProxy through files, signals and what it prints on stderr, not its runtime API.
    'log stdout format raw local0 info',
    'maxconn 4096',
    // On reload, old workers finish their in-flight requests, but no longer than this.
    'hard-stop-after 30s',
    // Counters for `svc stats`, on an abstract socket: in the container's network namespace
    // only, no file, no port (src/lb/stats.ts reads it with the haproxy binary itself). Level
    // operator, because HAProxy leaves the servers' addresses out of `show stat` below it.
    `stats socket abns@${STATS_SOCKET} level operator`,
    ...(sourceAffinity ? [`localpeer ${LOCAL_PEER}`] : []),
  ]);
  const peersPort = c.servicePort === PEERS_PORT ? PEERS_PORT_ALT : PEERS_PORT;
  const peers = sourceAffinity
    ? [section(`peers ${PEERS_NAME}`, [`peer ${LOCAL_PEER} ${LOOPBACK}:${peersPort}`])]
    : [];

  const resolvers = section(`resolvers ${RESOLVERS_NAME}`, [
    // Docker's embedded DNS: replicas are found by container name and re-resolved when a
    // container comes back with another address.
    `nameserver dns ${DOCKER_DNS}`,
    'accepted_payload_size 8192',
    'resolve_retries 3',
    'timeout resolve 1s',
    'timeout retry 1s',
    'hold valid 10s',
    'hold other 10s',
    'hold refused 10s',
    'hold nx 10s',
    'hold timeout 10s',
    'hold obsolete 10s',
  ]);

  const defaults = section('defaults', [
    `mode ${http ? 'http' : 'tcp'}`,
    'log global',
    'option dontlognull',
    // Every change of a check's result and of a server's state goes to stderr with the worker's
    // PID: how svc learns that a replica is UP (src/haproxy/lb-log.ts reads it).
    'option log-health-checks',
    // A failed connection is retried, on another server at every retry (so a dead replica,
    // sticky or not, costs no request), without the one-second turn-around delay.
    'retries 3',
    'option redispatch 1',
    'timeout connect 1s',
    'timeout check 2s',
    'timeout queue 5s',
    ...(http
      ? [
          'timeout client 1m',
          'timeout server 1m',
          'timeout http-request 10s',
          'timeout http-keep-alive 10s',
          'timeout tunnel 1h',
        ]
      : ['timeout client 1h', 'timeout server 1h']),
  ]);

  const bind =
    c.protocol === 'httpsTerm'
      ? `bind :${c.servicePort} ssl crt ${c.paths.cert} ssl-min-ver TLSv1.2 alpn h2,http/1.1`
      : `bind :${c.servicePort}`;
  const frontend = section(`frontend ${FRONTEND_NAME}`, [
    bind,
    // Security groups: a source outside the allowed prefixes is closed at once, before any byte
    // is read (an empty list closes the service).
    ...(c.restricted ? [`tcp-request connection reject unless { src -f ${c.paths.allow} }`] : []),
    http ? 'option httplog' : 'option tcplog',
    ...(http
      ? [
          // On reload, the old worker answers the next request of an idle keep-alive connection
          // (with `Connection: close`) instead of closing it under a client about to reuse it.
          'option idle-close-on-response',
          'option forwardfor',
          `http-request set-header X-Forwarded-Proto ${c.protocol === 'httpsTerm' ? 'https' : 'http'}`,
        ]
      : []),
    `default_backend ${BACKEND_NAME}`,
  ]);

  const backendLines: string[] = [`balance ${c.algorithm}`];
  // Consistent hashing: adding or removing a replica moves only that replica's clients.
  if (c.algorithm === 'source') backendLines.push('hash-type consistent');
  if (c.protocol === 'https') backendLines.push('option ssl-hello-chk');
  // Replays only what is safe to replay: no response-timeout, which would resend
  // non-idempotent requests a slow server may already have processed.
  if (http) backendLines.push('retry-on conn-failure empty-response');
  if (c.affinity) {
    if (http) {
      const secure = c.protocol === 'httpsTerm' ? ' secure' : '';
      const dynamic = c.template ? ' dynamic' : '';
      backendLines.push(`cookie ${AFFINITY_COOKIE} insert indirect nocache httponly${secure}${dynamic}`);
    } else {
      backendLines.push(`stick-table type ip size 100k expire 30m peers ${PEERS_NAME}`, 'stick on src');
    }
  }
  // Counting towards fall or rise, check every 250 ms; while DOWN, every second. A new or
  // returning replica is taken into rotation (and a dying one out) without waiting whole
  // intervals, and HAProxy spreads a new server's first check over `fastinter`, not `inter`.
  const check = `check inter ${c.interval}s fastinter 250ms${c.interval > 1 ? ' downinter 1s' : ''} fall ${c.fall} rise ${c.rise}`;
  if (c.template) {
    // One slot a task: each resolved address gets a slot, a task gone frees its slot.
    const t = c.template;
    if (c.affinity && http) backendLines.push(`dynamic-cookie-key ${c.name}`);
    backendLines.push(
      [
        `server-template r 1-${t.count} ${t.host}:${t.port}`,
        check,
        `resolvers ${RESOLVERS_NAME} init-addr none resolve-prefer ipv4`,
        'observe layer4 error-limit 3 on-error mark-down',
      ].join(' '),
    );
  }
  for (const s of c.servers) {
    const words = [
      `server ${s.name} ${s.host}:${s.port}`,
      check,
      `resolvers ${RESOLVERS_NAME} init-addr last,libc,none resolve-prefer ipv4 resolve-opts allow-dup-ip`,
      // A replica whose connections fail is marked down at once, before its checks fail.
      'observe layer4 error-limit 3 on-error mark-down',
    ];
    if (c.affinity && http) words.push(`cookie ${s.name}`);
    backendLines.push(words.join(' '));
  }
  const backend = section(`backend ${BACKEND_NAME}`, backendLines);

  return `${[header, global, ...peers, resolvers, defaults, frontend, backend].join('\n\n')}\n`;
}

/** True for an IPv4 CIDR (`10.0.0.0/8`) or an IPv6 one (`fd00::/8`), lowercase, nothing else. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 50) return false;
  if (IPV4_CIDR.test(value)) return true;
  if (!IPV6_CIDR.test(value)) return false;
  const address = value.slice(0, value.lastIndexOf('/'));
  return IPV6_ADDRESS.test(address) && (address.match(/::/g) ?? []).length <= 1;
}

/**
 * The allow-list file of {@link ConfigPaths.allow}: one source prefix a line, sorted, no
 * duplicates. Every prefix is checked against a strict CIDR allow-list (anything else throws
 * {@link HaproxyConfigError}); no prefixes gives a file that matches no source.
 */
export function renderAllowList(prefixes: readonly string[]): string {
  if (!Array.isArray(prefixes)) fail('allowed prefixes', prefixes, 'is not a list');
  if (prefixes.length > MAX_ALLOW_PREFIXES) fail('allowed prefixes', prefixes.length, 'are too many');
  prefixes.forEach((p, i) => {
    if (!isCidr(p)) fail(`allowed prefix ${i}`, p, 'is not an IPv4 or IPv6 CIDR (e.g. 10.0.0.0/8)');
  });
  const lines = [...new Set(prefixes)].sort();
  return [
    '# Sources allowed by the security groups of this service; generated by svc. Do not edit.',
    ...lines,
    '',
  ].join('\n');
}
