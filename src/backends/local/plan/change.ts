/**
 * What every change of an existing service shares: the checks that it can be changed, and the
 * records around it (the lock K+1 first, the outcome K+2 last, the older ones removed in the
 * cleanup). Pure.
 */

import { configServers, type ObservedService, type Snapshot } from '../../../core/observe.js';
import { type Operation, recordContainer } from '../../../core/records.js';
import type { Step } from '../../../core/steps.js';
import { ConflictError } from '../../../errors.js';
import { names } from '../../../model/naming.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { allowFor } from './create.js';

/** A service that can be changed: its desired state and its running load balancer. */
export interface Changeable {
  service: ObservedService;
  spec: ServiceSpec;
  /** The highest revision stored (the lock is the next one). */
  revision: number;
  created: string;
  /** Replica numbers the load balancer's config lists now. */
  servers: number[];
  lb: string;
  lbImage: string;
  previousImage: string | undefined;
  /** The sources its security groups allow now (undefined when it names none). */
  allow: string[] | undefined;
}

export function changeable(s: ObservedService, snapshot: Snapshot): Changeable {
  const spec = s.current?.spec;
  if (!spec || !s.lb) {
    throw new ConflictError(`service "${s.name}" is incomplete (left by an interrupted command)`, {
      hint: { kind: 'remove', service: s.name },
    });
  }
  if (s.operation) {
    throw new ConflictError(
      `service "${s.name}" is being changed (${s.operation}); try again when it is done`,
    );
  }
  if (s.lb.state !== 'running') {
    throw new ConflictError(`the load balancer of "${s.name}" is ${s.lb.state}; start it first`, {
      hint: { kind: 'start-lb', container: s.lb.name },
    });
  }
  return {
    service: s,
    spec,
    revision: s.records.at(-1)?.revision ?? 0,
    created: s.current?.created ?? '',
    servers: configServers(s),
    lb: s.lb.name,
    lbImage: s.lb.image,
    previousImage: s.current?.previousImage,
    allow: allowFor(spec, snapshot),
  };
}

/** The records around a change to `next` (target servers `servers`): [lock, outcome] and the cleanup. */
export function recordSteps(
  c: Changeable,
  operation: Operation,
  next: ServiceSpec,
  servers: number[],
  previousImage: string | undefined = c.previousImage,
): { lock: Step; outcome: Step; cleanup: Step[] } {
  const tenant = c.service.tenant;
  const base = { tenant, spec: next, created: c.created, servers, image: c.lbImage, previousImage };
  const lock = recordContainer({ ...base, revision: c.revision + 1, operation });
  const outcome = recordContainer({ ...base, revision: c.revision + 2 });
  const old = [...c.service.records.map((r) => r.name), lock.name];
  return {
    lock: { op: 'create', role: 'record', container: lock },
    outcome: { op: 'create', role: 'record', container: outcome },
    cleanup: old.map((name): Step => ({ op: 'remove', name })),
  };
}

/** The lowest numbers not in `taken`, `count` of them. */
export function freeNumbers(taken: Iterable<number>, count: number): number[] {
  const used = new Set(taken);
  const out: number[] = [];
  for (let n = 1; out.length < count; n++) if (!used.has(n)) out.push(n);
  return out;
}

export const replicaName = (c: Changeable, n: number) => names.replica(c.service.tenant, c.service.name, n);
