/**
 * The spec hash: what a replica is made from, as one short value. Every object svc makes for a
 * service carries the hash of the spec it was made from (label `io.svc.spec-hash`); a replica whose
 * hash differs from the desired spec's is out of date and must be replaced to match it. Only the
 * fields a replica is made from count: its count, the load balancer's fields and the FIP do not.
 */
import { createHash } from 'node:crypto';
import type { ServiceSpec } from '../spec/types.js';

/** The fields a replica is made from, in a fixed order. */
export const REPLICA_FIELDS = [
  'Image',
  'Env',
  'Cmd',
  'Entrypoint',
  'WorkingDir',
  'Volumes',
  'Labels',
  'ContainerSize',
  'StopSignal',
  'Tty',
  'Stdin',
  'ContainerPort',
] as const satisfies ReadonlyArray<keyof ServiceSpec>;

/**
 * Replica fields added after services were first hashed, with the value every replica had before
 * the field existed: a field at that value is left out of the hash, so the replicas of a service
 * made before it stay current.
 */
const LATER_REPLICA_FIELDS = { StopTimeout: 10 } as const satisfies Partial<
  Record<keyof ServiceSpec, unknown>
>;

/** 16 hex digits of the SHA-256 of the replica fields (labels by key, so their order does not count). */
export function specHash(spec: ServiceSpec): string {
  const fields: unknown[] = REPLICA_FIELDS.map((f) =>
    f === 'Labels' ? Object.entries(spec.Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : spec[f],
  );
  for (const [f, before] of Object.entries(LATER_REPLICA_FIELDS)) {
    const value = spec[f as keyof typeof LATER_REPLICA_FIELDS];
    if (value !== undefined && value !== before) fields.push([f, value]);
  }
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
}
