/**
 * What `ls` and `inspect` show of observed services (observe.ts): the original API's Service JSON, the
 * `ls` table and filters, and `inspect`'s detail after the original API's fields (the load balancer's own
 * view of every replica, from its log). Pure.
 */
import type { ContainerState } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import type { LbView, ServerStatus } from '../haproxy/lb-log.js';
import { names, serverName } from '../model/naming.js';
import type { ServiceSpec } from '../spec/types.js';
import type { ObservedService } from './backend.js';
import { configServers, desiredSpec } from './observe.js';
import { rfc3339Nano, type ServiceJson, type ServiceStatus, toServiceJson } from './service-json.js';
import { computeStatus, replicaImage, type StatusResult } from './status.js';

export const SERVICE_STATUSES: readonly ServiceStatus[] = [
  'created',
  'active',
  'degraded',
  'updating',
  'failed',
];

// ---------------------------------------------------------------------------------------------
// The Service JSON of an observed service

/**
 * The spec of a service whose record is missing (left half-created): its name, what its
 * replicas show, and every other field unset ("", 0, null), since nothing else is known.
 */
export function unknownSpec(s: ObservedService): ServiceSpec {
  return {
    Name: s.name,
    Image: s.replicas[0]?.image ?? '',
    WorkingDir: '',
    ContainerSize: '' as ServiceSpec['ContainerSize'],
    SSLCert: '',
    NetMode: '',
    StopSignal: '',
    ServicePort: 0,
    ContainerPort: 0,
    Replicas: s.replicas.length,
    HealthCheckInterval: 0,
    HealthCheckFall: 0,
    HealthCheckRise: 0,
    Algorithm: '' as ServiceSpec['Algorithm'],
    Protocol: '' as ServiceSpec['Protocol'],
    Stdin: false,
    Tty: false,
    SessionAffinity: false,
    Entrypoint: null,
    Cmd: null,
    Env: null,
    Volumes: null,
    Labels: {},
    SecurityGroups: null,
    FIP: '',
  };
}

/** When the service was created: its record's time, else (half-created) its oldest container's. */
function createdOf(s: ObservedService): string {
  const recorded = s.records[0]?.created;
  if (recorded) return recorded;
  const times = [...(s.lb ? [s.lb.created] : []), ...s.replicas.map((r) => r.created)];
  return times.length > 0 ? rfc3339Nano(new Date(Math.min(...times) * 1000), 0) : '';
}

/** The original API's Service JSON of an observed service, with this status. */
export function serviceJsonOf(s: ObservedService, status: StatusResult): ServiceJson {
  return toServiceJson(desiredSpec(s) ?? unknownSpec(s), {
    tenant: s.tenant,
    ip: s.ip,
    created: createdOf(s),
    status: status.status,
    message: status.message,
    containers: s.replicas.map((r) => r.id),
  });
}

// ---------------------------------------------------------------------------------------------
// ls: filters and the table

export interface ServiceFilters {
  /** Exact names, or patterns with `*`; any may match. */
  names: string[];
  /** `key` (present) or `key=value`; all must match the spec's Labels. */
  labels: Array<{ key: string; value?: string }>;
  /** Any may match. */
  statuses: ServiceStatus[];
}

export const FILTER_KEYS = ['name', 'label', 'status'] as const;

/**
 * Filters from `key`/`value` pairs, as docker: a key given several times matches any of its
 * values (name, status), except `label`, where every one must match; different keys must all
 * match. `where(key, value)` names a pair in messages (`--filter k=v`, `filters.k`).
 */
export function filtersFrom(
  pairs: Array<[string, string]>,
  where: (key: string, value: string) => string = (k, v) => `${k}=${v}`,
): ServiceFilters {
  const f: ServiceFilters = { names: [], labels: [], statuses: [] };
  for (const [rawKey, value] of pairs) {
    const key = rawKey.trim().toLowerCase();
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `${where(rawKey, value)}: unknown filter "${key}"; use one of ${FILTER_KEYS.join(', ')}`,
      );
    }
    if (value === '') throw new UsageError(`${where(rawKey, value)}: expected ${key}=VALUE`);
    if (key === 'name') f.names.push(value);
    else if (key === 'status') {
      const status = value.toLowerCase() as ServiceStatus;
      if (!SERVICE_STATUSES.includes(status)) {
        throw new UsageError(`${where(rawKey, value)}: status is one of ${SERVICE_STATUSES.join(', ')}`);
      }
      f.statuses.push(status);
    } else {
      const i = value.indexOf('=');
      f.labels.push(i < 0 ? { key: value } : { key: value.slice(0, i), value: value.slice(i + 1) });
    }
  }
  return f;
}

/** `--filter KEY=VALUE` arguments (see {@link filtersFrom}). */
export function parseFilters(args: string[]): ServiceFilters {
  return filtersFrom(
    args.map((arg): [string, string] => {
      const eq = arg.indexOf('=');
      return eq < 0 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
    }),
    (k, v) => `--filter ${k}${v ? `=${v}` : ''}`,
  );
}

function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`).test(name);
}

export function matchesFilters(
  f: ServiceFilters,
  name: string,
  labels: Record<string, string>,
  status: ServiceStatus,
): boolean {
  if (f.names.length > 0 && !f.names.some((p) => nameMatches(p, name))) return false;
  if (f.statuses.length > 0 && !f.statuses.includes(status)) return false;
  return f.labels.every((l) => (l.value === undefined ? l.key in labels : labels[l.key] === l.value));
}

export interface ListedService {
  service: ServiceJson;
  /** Replicas counted up (running and in the load balancer's config) and desired. */
  up: number;
  desired: number;
  /** The images those replicas run, most used first (the spec's Image when there are none). */
  images: string[];
  backend: string;
}

/** `ls` of observed services: status from container states, filtered, sorted by name. */
export function listObserved(observed: ObservedService[], filters: ServiceFilters): ListedService[] {
  const out: ListedService[] = [];
  for (const s of observed) {
    const status = computeStatus(s);
    const service = serviceJsonOf(s, status);
    if (!matchesFilters(filters, service.Name, service.Labels, service.Status)) continue;
    out.push({
      service,
      up: status.up,
      desired: status.desired,
      images: status.images.length > 0 ? status.images : [service.Image].filter(Boolean),
      backend: s.backend,
    });
  }
  return out.sort((a, b) => a.service.Name.localeCompare(b.service.Name));
}

export const LS_HEADERS = [
  'NAME',
  'IMAGE',
  'REPLICAS',
  'PROTOCOL',
  'SERVICE PORT',
  'FIP',
  'STATUS',
  'BACKEND',
];

/** The rows of the `ls` table; `-` stands for what is unset or unknown. */
export function lsRows(list: ListedService[]): string[][] {
  const orDash = (v: string | number) => (v === '' || v === 0 ? '-' : String(v));
  return list.map(({ service: s, up, desired, images, backend }) => [
    s.Name,
    orDash(images.join(',')),
    `${up}/${desired}`,
    orDash(s.Protocol),
    orDash(s.ServicePort),
    orDash(s.FIP),
    s.Status,
    backend,
  ]);
}

// ---------------------------------------------------------------------------------------------
// inspect: the original API's fields, then the detail

/** How the load balancer sees a replica: its status, or NONE when its config has no such server. */
export type LbStatus = ServerStatus | 'NONE';

export interface ReplicaDetail {
  /** Replica number N: server `rN` in the load balancer. */
  Number: number;
  /** Container ID; "" when the container is missing (removed by hand). */
  ID: string;
  Name: string;
  Image: string;
  /** The container's state, or `missing`. */
  State: ContainerState | 'missing';
  /** What the load balancer thinks; null when its view could not be read (it is not running). */
  LB: LbStatus | null;
  /** Its last health check (`L4OK`, `L4CON`, …); "" when none yet; null without the view. */
  Check: string | null;
  /** The node it runs on (hostname), where the load balancer's servers are slots filled by DNS. */
  Node?: string;
}

export interface LoadBalancerDetail {
  ID: string;
  Name: string;
  Image: string;
  State: ContainerState;
}

export interface InspectedService extends ServiceJson {
  /** Where it runs: its backend's name. */
  Backend: string;
  /** The revision of the service's record (its desired state); null when it has none. */
  Revision: number | null;
  LoadBalancer: LoadBalancerDetail | null;
  ReplicaDetail: ReplicaDetail[];
}

/**
 * One entry a replica container, by number, and one for every server in the load balancer's
 * config whose container is missing; each with what the load balancer says of it (UNKNOWN for a
 * server it printed nothing about: every check's first result is printed, so that is one it has
 * not checked yet, one whose name does not resolve, or one whose lines rotated out of its log).
 */
export function replicaDetail(s: ObservedService, view: LbView | undefined): ReplicaDetail[] {
  const inConfig = new Set(configServers(s));
  const lbOf = (n: number): Pick<ReplicaDetail, 'LB' | 'Check'> => {
    if (!view) return { LB: null, Check: null };
    if (!inConfig.has(n)) return { LB: 'NONE', Check: '' };
    const sv = view.servers.get(serverName(n));
    // Nothing printed about it yet: just given to a worker, not resolvable, or the log rotated.
    return sv ? { LB: sv.status, Check: sv.check } : { LB: 'UNKNOWN', Check: '' };
  };
  const detail: ReplicaDetail[] = s.replicas.map((r) => ({
    Number: r.number,
    ID: r.id,
    Name: r.name,
    Image: replicaImage(r),
    State: r.state,
    ...lbOf(r.number),
  }));
  const present = new Set(s.replicas.map((r) => r.number));
  for (const n of inConfig) {
    if (present.has(n)) continue;
    detail.push({
      Number: n,
      ID: '',
      Name: names.replica(s.tenant, s.name, n),
      Image: '',
      State: 'missing',
      ...lbOf(n),
    });
  }
  return detail.sort((a, b) => a.Number - b.Number);
}

/** `inspect` of one observed service, with the load balancer's view when it could be read. */
export function inspectObserved(s: ObservedService, view: LbView | undefined): InspectedService {
  const detail = replicaDetail(s, view);
  if (!s.numberedServers) {
    // Slots filled by DNS in any order: which server is which replica is not known.
    const nodes = new Map(s.replicas.map((r) => [r.number, r.node ?? '']));
    for (const d of detail) Object.assign(d, { LB: null, Check: null, Node: nodes.get(d.Number) ?? '' });
  }
  return {
    ...serviceJsonOf(s, computeStatus(s)),
    Backend: s.backend,
    Revision: s.current?.revision ?? null,
    LoadBalancer: s.lb ? { ID: s.lb.id, Name: s.lb.name, Image: s.lb.image, State: s.lb.state } : null,
    ReplicaDetail: detail,
  };
}
