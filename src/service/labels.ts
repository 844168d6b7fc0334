/**
 * The labels that make Docker the database: every object svc creates carries them, and every
 * command reads state back from them (like docker compose's com.docker.compose.*).
 */
import { LABEL_PREFIX } from '../spec/types.js';

export const LABEL = {
  /** Present on everything svc manages; value: the label schema version. */
  managed: `${LABEL_PREFIX}managed`,
  tenant: `${LABEL_PREFIX}tenant`,
  service: `${LABEL_PREFIX}service`,
  /** `lb`, `replica`, `record` (the service's spec revision) or `network`. */
  role: `${LABEL_PREFIX}role`,
  /** Replica number, 1…N. */
  replica: `${LABEL_PREFIX}replica`,
  /** Hash of the normalised spec the object was made from. */
  specHash: `${LABEL_PREFIX}spec-hash`,
  /** On a record: the normalised spec as JSON, with no key material. */
  spec: `${LABEL_PREFIX}spec`,
  /** On a record: when the service was created (RFC 3339, nanoseconds). */
  created: `${LABEL_PREFIX}created`,
  /** On a record: its revision, 1, 2, … (the newest is the service's desired state). */
  revision: `${LABEL_PREFIX}revision`,
  /** On a record: the operation under way (`scale`, `rolling-update`) while it runs. */
  operation: `${LABEL_PREFIX}operation`,
  /** On a record: the image before the last rolling update. */
  previousImage: `${LABEL_PREFIX}previous-image`,
} as const;

export const LABEL_SCHEMA_VERSION = '1';

export type Role = 'lb' | 'replica' | 'record' | 'network';

/** Docker label filters selecting one tenant's objects, optionally one service and role. */
export function labelFilter(tenant: string, service?: string, role?: Role): string[] {
  const f = [`${LABEL.managed}`, `${LABEL.tenant}=${tenant}`];
  if (service !== undefined) f.push(`${LABEL.service}=${service}`);
  if (role !== undefined) f.push(`${LABEL.role}=${role}`);
  return f;
}

/**
 * Object names. Readable, and unique across tenants by a short tenant suffix. The part before the
 * suffix ends in a number (replica), `lb` or `revK` (record), so no two services' names collide.
 */
export const names = {
  network: (tenant: string) => `svc-${tenant}`,
  lb: (tenant: string, service: string) => `${service}-lb-${tenant.slice(0, 8)}`,
  replica: (tenant: string, service: string, n: number) => `${service}-${n}-${tenant.slice(0, 8)}`,
  record: (tenant: string, service: string, revision: number) =>
    `${service}-rev${revision}-${tenant.slice(0, 8)}`,
};

/**
 * `svc rm --keep` leaves the replicas running but no longer part of any service. Their labels
 * cannot change, so they are renamed `<replica name>_kept_<id8>`: a name svc never gives (`_` is
 * not in a DNS label), which frees the replica's name and tells observers to pass them by.
 */
export const KEPT_SUFFIX = '_kept_';

export function keptName(replicaName: string, id: string): string {
  return `${replicaName}${KEPT_SUFFIX}${id.slice(0, 8)}`;
}

/** True for a container `svc rm --keep` let go of (see {@link keptName}). */
export function isKept(c: { name: string }): boolean {
  return c.name.includes(KEPT_SUFFIX);
}

/**
 * Roles of objects that never join the tenant network (records, security groups): they do not
 * keep it alive.
 */
const OFF_NETWORK_ROLES = new Set(['record', 'security-group']);

/** Whether a container of the tenant may be attached to its network. */
export function usesTenantNetwork(labels: Record<string, string>): boolean {
  return !OFF_NETWORK_ROLES.has(labels[LABEL.role] ?? '');
}
