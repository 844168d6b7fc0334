/**
 * What `ls` and `inspect` show of observed services (observe.ts): the original API's Service JSON,
 * and the `ls` table and filters (`inspect`'s detail after the Service JSON: inspect.ts). Pure.
 */
import { UsageError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import type { ObservedService } from './backend.js';
import { desiredSpec } from './observe.js';
import { rfc3339Nano, type ServiceJson, type ServiceStatus, toServiceJson } from './service-json.js';
import { computeStatus, type StatusResult } from './status.js';

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
    HealthCheckPath: '',
    StopTimeout: 0,
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
