/**
 * The data model's names, in one place: the labels that make Docker the database (like docker
 * compose's com.docker.compose.*), the roles of the objects svc makes, their names, the load
 * balancer's server names (`rN` is replica N) and the files it holds.
 */
import { LABEL_PREFIX } from '../spec/types.js';

export const LABEL = {
  /** Present on everything svc manages; value: the label schema version. */
  managed: `${LABEL_PREFIX}managed`,
  tenant: `${LABEL_PREFIX}tenant`,
  service: `${LABEL_PREFIX}service`,
  /** See {@link Role}. */
  role: `${LABEL_PREFIX}role`,
  /** Replica number, 1…N. */
  replica: `${LABEL_PREFIX}replica`,
  /** On a replica: the image it was made from, as the spec names it (the engine may show an ID). */
  image: `${LABEL_PREFIX}image`,
  /** The hash of the replica fields of the spec the object was made from (spec-hash.ts). */
  specHash: `${LABEL_PREFIX}spec-hash`,
  /** On a record: the normalised spec as JSON, with no key material. */
  spec: `${LABEL_PREFIX}spec`,
  /** On a record: when the service was created (RFC 3339, nanoseconds). */
  created: `${LABEL_PREFIX}created`,
  /** On a record: its revision, 1, 2, … (the newest complete one is the service's desired state). */
  revision: `${LABEL_PREFIX}revision`,
  /** On a record: the replica numbers the load balancer's config lists (`1,2,5`). */
  servers: `${LABEL_PREFIX}lb-servers`,
  /** On a record: the operation under way (`scale`, `rolling-update`, …) while it runs. */
  operation: `${LABEL_PREFIX}operation`,
  /** On an operation's record: who runs it (`host/pid`), so a dead one is told from a running one. */
  operationOwner: `${LABEL_PREFIX}operation-owner`,
  /** On a record: the image before the last rolling update. */
  previousImage: `${LABEL_PREFIX}previous-image`,
  /** On a Swarm replicas service: the reference the release before ran (pinned to its digest). */
  previousRun: `${LABEL_PREFIX}previous-run`,
  /** The backend of a service's objects (src/backends/); absent on the local backend's containers. */
  backend: `${LABEL_PREFIX}backend`,
  /** On a security group's record: its name, and the group as JSON. */
  securityGroup: `${LABEL_PREFIX}security-group`,
  securityGroupSpec: `${LABEL_PREFIX}security-group-spec`,
  /** On a named volume: its name as the user wrote it (the engine's name carries the tenant). */
  volume: `${LABEL_PREFIX}volume`,
} as const;

export const LABEL_SCHEMA_VERSION = '1';

export const ROLES = ['lb', 'replica', 'record', 'network', 'security-group', 'volume'] as const;
export type Role = (typeof ROLES)[number];

/** Docker label filters selecting one tenant's objects, optionally one service and role. */
export function labelFilter(tenant: string, service?: string, role?: Role): string[] {
  const f = [`${LABEL.managed}`, `${LABEL.tenant}=${tenant}`];
  if (service !== undefined) f.push(`${LABEL.service}=${service}`);
  if (role !== undefined) f.push(`${LABEL.role}=${role}`);
  return f;
}

/** The labels every object of a tenant carries. */
export function baseLabels(tenant: string, role: Role): Record<string, string> {
  return { [LABEL.managed]: LABEL_SCHEMA_VERSION, [LABEL.tenant]: tenant, [LABEL.role]: role };
}

/** The labels of every object of a service. */
export function serviceLabels(tenant: string, service: string, role: Role): Record<string, string> {
  return { ...baseLabels(tenant, role), [LABEL.service]: service };
}

const short = (tenant: string) => tenant.slice(0, 8);

/**
 * Object names. Readable, and unique across tenants by a short tenant suffix. The part before the
 * suffix ends in a number (replica), `lb` or `revK` (record), so no two services' names collide;
 * `_` (never in a DNS label) keeps security groups and kept replicas apart from services.
 */
export const names = {
  network: (tenant: string) => `svc-${tenant}`,
  lb: (tenant: string, service: string) => `${service}-lb-${short(tenant)}`,
  /** A load balancer being replaced (attach-fip, detach-fip) once its successor serves. */
  lbAside: (tenant: string, service: string) => `${service}-lb-${short(tenant)}-old`,
  /** The successor of a load balancer being replaced, until the old one is set aside. */
  lbNext: (tenant: string, service: string) => `${service}-lb-${short(tenant)}-new`,
  replica: (tenant: string, service: string, n: number) => `${service}-${n}-${short(tenant)}`,
  record: (tenant: string, service: string, revision: number) => `${service}-rev${revision}-${short(tenant)}`,
  securityGroup: (tenant: string, group: string, revision: number) =>
    `svc-sg_${group}_rev${revision}_${short(tenant)}`,
  /**
   * A named volume of the tenant: the whole tenant in it (not 8 characters), since an engine
   * volume of that name is mounted whoever made it; `_` ends the tenant, the rest is the user's.
   */
  volume: (tenant: string, volume: string) => `svc-${tenant}_${volume}`,
};

/** The load balancer's server for replica N. */
export function serverName(n: number): string {
  return `r${n}`;
}

/** The replica number of server `rN`, or undefined for any other name. */
export function replicaNumberOf(server: string): number | undefined {
  const m = /^r([1-9]\d*)$/.exec(server);
  return m ? Number(m[1]) : undefined;
}

/** `1,2,5` ⇄ [1, 2, 5] (the record's {@link LABEL.servers}). */
export function formatNumbers(numbers: readonly number[]): string {
  return [...numbers].sort((a, b) => a - b).join(',');
}

export function parseNumbers(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (text === '') return [];
  const out = text.split(',').map(Number);
  return out.every((n) => Number.isSafeInteger(n) && n > 0) ? out : undefined;
}

/**
 * `svc rm --keep` leaves the replicas running but no longer part of any service. Their labels
 * cannot change, so they are renamed `<replica name>_kept_<id8>`: a name svc never gives, which
 * frees the replica's name and tells observers to pass them by.
 */
export const KEPT_SUFFIX = '_kept_';

export function keptName(replicaName: string, id: string): string {
  return `${replicaName}${KEPT_SUFFIX}${id.slice(0, 8)}`;
}

/** True for a container `svc rm --keep` let go of (see {@link keptName}). */
export function isKept(c: { name: string }): boolean {
  return c.name.includes(KEPT_SUFFIX);
}

/** Roles of objects that never join the tenant network: they do not keep it alive. */
const OFF_NETWORK_ROLES = new Set<string>(['record', 'security-group']);

/** Whether a container of the tenant may be attached to its (bridge) network; another backend's is not. */
export function usesTenantNetwork(labels: Record<string, string>): boolean {
  return !OFF_NETWORK_ROLES.has(labels[LABEL.role] ?? '') && labels[LABEL.backend] === undefined;
}

/**
 * The load balancer's files: the official haproxy image's config directory. svc writes them
 * through the engine (archive API), never through a shell in the container.
 */
export const LB_DIR = '/usr/local/etc/haproxy';
export const LB_FILES = {
  config: 'haproxy.cfg',
  cert: 'certs/service.pem',
  allow: 'security-groups.allow',
  /** Read at every (re)load: the servers that start DOWN (src/haproxy/server-state.ts). */
  state: 'server-state',
  /** Source affinity's fetch for a worker's first second (render-config.ts SETTLE_LUA). */
  settle: 'svc-settle.lua',
} as const;
/** Where a change is put and checked (`haproxy -c`) before it replaces the live files. */
export const LB_STAGING = '.svc-next';
