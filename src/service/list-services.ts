/**
 * `svc ls` and `svc inspect`: services read back from the engine (observe.ts), shown as the
 * seed's Service JSON. `ls` makes one list call and judges health from the container states;
 * `inspect` also asks each running load balancer what it thinks of every replica (HAProxy's
 * runtime API) and adds that per replica after the seed's fields. Everything but
 * {@link listServices} and {@link inspectServices} is pure.
 */
import type { ContainerState, Engine } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import { BACKEND_NAME } from '../haproxy/render-config.js';
import type { ServerStat, ServerStatus } from '../haproxy/runtime-stats.js';
import type { ServiceSpec } from '../spec/types.js';
import { names } from './labels.js';
import { currentRecord, desiredSpec, type ObservedService, observeServices } from './observe.js';
import { rfc3339Nano, type ServiceJson, type ServiceStatus, toServiceJson } from './service-json.js';
import { computeStatus, type StatusResult } from './status.js';
import { readServerStats } from './wait-ready.js';

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

/** The seed's Service JSON of an observed service, with this status. */
export function serviceJsonOf(s: ObservedService, status: StatusResult): ServiceJson {
  return toServiceJson(desiredSpec(s) ?? unknownSpec(s), {
    tenant: s.tenant,
    ip: s.lb?.addresses[names.network(s.tenant)] ?? '',
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
 * `--filter key=value`, as docker: a key given several times matches any of its values (name,
 * status), except `label`, where every one must match; different keys must all match.
 */
export function parseFilters(args: string[]): ServiceFilters {
  const f: ServiceFilters = { names: [], labels: [], statuses: [] };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = (eq < 0 ? arg : arg.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `--filter ${arg}: unknown filter "${key}"; use one of ${FILTER_KEYS.join(', ')} (KEY=VALUE)`,
      );
    }
    if (value === '') throw new UsageError(`--filter ${arg}: expected ${key}=VALUE`);
    if (key === 'name') f.names.push(value);
    else if (key === 'status') {
      const status = value.toLowerCase() as ServiceStatus;
      if (!SERVICE_STATUSES.includes(status)) {
        throw new UsageError(`--filter ${arg}: status is one of ${SERVICE_STATUSES.join(', ')}`);
      }
      f.statuses.push(status);
    } else {
      const i = value.indexOf('=');
      f.labels.push(i < 0 ? { key: value } : { key: value.slice(0, i), value: value.slice(i + 1) });
    }
  }
  return f;
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
  /** Replicas counted up (running, as `ls` does not ask the load balancer) and desired. */
  up: number;
  desired: number;
}

/** `ls` of observed services: status from container states, filtered, sorted by name. */
export function listObserved(observed: ObservedService[], filters: ServiceFilters): ListedService[] {
  const out: ListedService[] = [];
  for (const s of observed) {
    const status = computeStatus(s);
    const service = serviceJsonOf(s, status);
    if (!matchesFilters(filters, service.Name, service.Labels, service.Status)) continue;
    out.push({ service, up: status.up, desired: status.desired });
  }
  return out.sort((a, b) => a.service.Name.localeCompare(b.service.Name));
}

export const LS_HEADERS = ['NAME', 'IMAGE', 'REPLICAS', 'PROTOCOL', 'SERVICE PORT', 'FIP', 'STATUS'];

/** The rows of the `ls` table; `-` stands for what is unset or unknown. */
export function lsRows(list: ListedService[]): string[][] {
  const orDash = (v: string | number) => (v === '' || v === 0 ? '-' : String(v));
  return list.map(({ service: s, up, desired }) => [
    s.Name,
    orDash(s.Image),
    `${up}/${desired}`,
    orDash(s.Protocol),
    orDash(s.ServicePort),
    orDash(s.FIP),
    s.Status,
  ]);
}

/** Every service of the tenant (one list call), filtered. */
export async function listServices(
  engine: Engine,
  tenant: string,
  filters: ServiceFilters,
): Promise<ListedService[]> {
  return listObserved(await observeServices(engine, tenant), filters);
}

// ---------------------------------------------------------------------------------------------
// inspect: the seed's fields, then the detail

/** How the load balancer sees a replica: its status, or NONE when its config has no such server. */
export type LbView = ServerStatus | 'NONE';

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
  LB: LbView | null;
  /** Its last health check (`L4OK`, `L4CON`, …); "" when none yet; null without the view. */
  Check: string | null;
}

export interface LoadBalancerDetail {
  ID: string;
  Name: string;
  Image: string;
  State: ContainerState;
}

export interface InspectedService extends ServiceJson {
  /** The revision of the service's record (its desired state); null when it has none. */
  Revision: number | null;
  LoadBalancer: LoadBalancerDetail | null;
  ReplicaDetail: ReplicaDetail[];
}

const SERVER_NAME = /^r(\d+)$/;

/**
 * One entry a replica container, by number, each with what the load balancer says of it; and,
 * when its view is known, one for every server it lists whose container is missing.
 */
export function replicaDetail(s: ObservedService, lbView: ServerStat[] | undefined): ReplicaDetail[] {
  const servers = new Map<number, ServerStat>();
  for (const st of lbView ?? []) {
    const m = SERVER_NAME.exec(st.server);
    if (m && st.backend === BACKEND_NAME) servers.set(Number(m[1]), st);
  }
  const detail: ReplicaDetail[] = s.replicas.map((r) => {
    const st = servers.get(r.number);
    return {
      Number: r.number,
      ID: r.id,
      Name: r.name,
      Image: r.image,
      State: r.state,
      LB: lbView ? (st?.status ?? 'NONE') : null,
      Check: lbView ? (st?.checkStatus ?? '') : null,
    };
  });
  const present = new Set(s.replicas.map((r) => r.number));
  for (const [n, st] of servers) {
    if (present.has(n)) continue;
    detail.push({
      Number: n,
      ID: '',
      Name: names.replica(s.tenant, s.name, n),
      Image: '',
      State: 'missing',
      LB: st.status,
      Check: st.checkStatus,
    });
  }
  return detail.sort((a, b) => a.Number - b.Number);
}

/** `inspect` of one observed service, with the load balancer's view when it could be read. */
export function inspectObserved(s: ObservedService, lbView: ServerStat[] | undefined): InspectedService {
  const status = computeStatus(s, lbView);
  return {
    ...serviceJsonOf(s, status),
    Revision: currentRecord(s)?.revision ?? null,
    LoadBalancer: s.lb ? { ID: s.lb.id, Name: s.lb.name, Image: s.lb.image, State: s.lb.state } : null,
    ReplicaDetail: replicaDetail(s, lbView),
  };
}

export interface InspectResult {
  /** The services found, in the order asked. */
  services: InspectedService[];
  /** Names asked for that do not exist in the tenant. */
  missing: string[];
  /** For people (stderr): e.g. a load balancer whose view could not be read. */
  notes: string[];
}

/** The load balancer's server list, or undefined (and why) when it is not running or not answering. */
async function lbViewOf(engine: Engine, s: ObservedService): Promise<{ view?: ServerStat[]; note?: string }> {
  if (s.lb?.state !== 'running') return {};
  try {
    return { view: await readServerStats(engine, s.lb.id) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      note: `${s.name}: could not read the load balancer's view (${reason}); status from container states`,
    };
  }
}

/** Services by name (one list call, then one runtime API read per running load balancer). */
export async function inspectServices(
  engine: Engine,
  tenant: string,
  wanted: string[],
): Promise<InspectResult> {
  const observed = new Map((await observeServices(engine, tenant)).map((s) => [s.name, s]));
  const unique = [...new Set(wanted)];
  const found = unique.flatMap((n) => {
    const s = observed.get(n);
    return s ? [s] : [];
  });
  const views = await Promise.all(found.map((s) => lbViewOf(engine, s)));
  return {
    services: found.map((s, i) => inspectObserved(s, views[i]?.view)),
    missing: unique.filter((n) => !observed.has(n)),
    notes: views.flatMap((v) => (v.note ? [v.note] : [])),
  };
}
