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
  /** `lb`, `replica` or `network`. */
  role: `${LABEL_PREFIX}role`,
  /** Replica number, 1…N. */
  replica: `${LABEL_PREFIX}replica`,
  /** Hash of the normalised spec the object was made from. */
  specHash: `${LABEL_PREFIX}spec-hash`,
  /** On the load balancer: the normalised spec as JSON, with no key material. */
  spec: `${LABEL_PREFIX}spec`,
  /** On the load balancer: when the service was created (RFC 3339, nanoseconds). */
  created: `${LABEL_PREFIX}created`,
} as const;

export const LABEL_SCHEMA_VERSION = '1';

export type Role = 'lb' | 'replica' | 'network';

/** Docker label filters selecting one tenant's objects, optionally one service and role. */
export function labelFilter(tenant: string, service?: string, role?: Role): string[] {
  const f = [`${LABEL.managed}`, `${LABEL.tenant}=${tenant}`];
  if (service !== undefined) f.push(`${LABEL.service}=${service}`);
  if (role !== undefined) f.push(`${LABEL.role}=${role}`);
  return f;
}

/**
 * Object names. Readable, and unique across tenants by a short tenant suffix. The part before the
 * suffix ends in a number (replica) or `lb`, so no two services' names can collide.
 */
export const names = {
  network: (tenant: string) => `svc-${tenant}`,
  lb: (tenant: string, service: string) => `${service}-lb-${tenant.slice(0, 8)}`,
  replica: (tenant: string, service: string, n: number) => `${service}-${n}-${tenant.slice(0, 8)}`,
};
