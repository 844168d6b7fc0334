/**
 * What a service file changes of a running service, field by field, and how each field is
 * applied: `replicas` (a scale: the replicas that stay are kept), `load balancer` (only the load
 * balancer changes: every replica is kept), `replaced` (what replicas are made from: a rolling
 * replacement), or `refused` (cannot change in place: nothing is changed). Pure.
 */
import { UsageError } from '../../errors.js';
import { REPLICA_FIELDS } from '../../model/spec-hash.js';
import type { ServiceSpec } from '../../spec/types.js';
import { publicSpec } from '../service-json.js';

export type FieldEffect = 'replicas' | 'load balancer' | 'replaced' | 'refused';

/** How each field is applied; Name is the service's identity (a file with another Name is another service). */
export const FIELD_EFFECTS: Record<Exclude<keyof ServiceSpec, 'Name'>, FieldEffect> = {
  ...(Object.fromEntries(REPLICA_FIELDS.map((f) => [f, 'replaced'])) as Record<
    (typeof REPLICA_FIELDS)[number],
    'replaced'
  >),
  StopTimeout: 'replaced',
  Replicas: 'replicas',
  Algorithm: 'load balancer',
  SessionAffinity: 'load balancer',
  HealthCheckInterval: 'load balancer',
  HealthCheckFall: 'load balancer',
  HealthCheckRise: 'load balancer',
  HealthCheckPath: 'load balancer',
  SecurityGroups: 'load balancer',
  SSLCert: 'load balancer',
  FIP: 'load balancer',
  ServicePort: 'refused',
  Protocol: 'refused',
  NetMode: 'refused',
};

/** How to make a change that is refused, per field. */
const REFUSALS: Partial<Record<keyof ServiceSpec, string>> = {
  ServicePort:
    'clients reach the service on it; create the new one under another name (svc apply -f with a new Name), move clients, then svc rm the old one',
  Protocol:
    "the load balancer's frontend is made for it; create the new one under another name, move clients, then svc rm the old one",
  NetMode: 'the replicas and the load balancer share the network; svc rm the service, then svc apply',
};

export interface FieldChange {
  field: keyof ServiceSpec;
  from: unknown;
  to: unknown;
  effect: FieldEffect;
}

/** A field's value as compared and shown (labels by key; a certificate as its description). */
function shown(spec: ServiceSpec, field: keyof ServiceSpec): unknown {
  if (field === 'Labels')
    return Object.fromEntries(Object.entries(spec.Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return spec[field];
}

/** The fields `desired` changes of `current`, in the spec's order. */
export function diffSpecs(current: ServiceSpec, desired: ServiceSpec): FieldChange[] {
  const from = publicSpec(current);
  const to = publicSpec(desired);
  return (Object.keys(FIELD_EFFECTS) as Array<keyof typeof FIELD_EFFECTS>).flatMap((field) => {
    const a = shown(from, field);
    const b = shown(to, field);
    return JSON.stringify(a) === JSON.stringify(b)
      ? []
      : [{ field, from: a, to: b, effect: FIELD_EFFECTS[field] }];
  });
}

/** Throws (exit 2, nothing changed) when a change cannot be made in place, naming the field and how. */
export function refuseInPlace(name: string, changes: FieldChange[]): void {
  const refused = changes.filter((c) => c.effect === 'refused');
  if (refused.length === 0) return;
  const what = refused
    .map((c) => `${c.field} (${JSON.stringify(c.from)} → ${JSON.stringify(c.to)})`)
    .join(', ');
  const how = refused.map((c) => `${c.field}: ${REFUSALS[c.field] ?? 'svc rm, then svc apply'}`).join('; ');
  throw new UsageError(`service "${name}": ${what} cannot change in place; nothing was changed. ${how}`);
}

/** The text form: one line a field, `Env: ["A=1"] → ["A=2"] (replaced)`. */
export function describeChanges(changes: FieldChange[]): string {
  return changes
    .map((c) => `  ${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)} (${c.effect})`)
    .join('\n');
}
