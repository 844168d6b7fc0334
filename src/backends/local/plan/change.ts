/**
 * What every change of an existing local service shares: the checks that it can be changed, and
 * the records around it (the lock K+1 first, the outcome K+2 last, the older ones removed in the
 * cleanup). Pure.
 */
import type { Changeable as CoreChangeable, ObservedService, Snapshot } from '../../../core/backend.js';
import { configServers } from '../../../core/observe.js';
import { allowFor } from '../../../core/plan/security-groups.js';
import { type Operation, recordContainer } from '../../../core/records.js';
import { changeable as checked } from '../../../core/services.js';
import type { Step } from '../../../core/steps.js';
import { ConflictError } from '../../../errors.js';
import { names } from '../../../model/naming.js';
import type { ServiceSpec } from '../../../spec/types.js';

/** A local service that can be changed: its desired state and its running load balancer. */
export interface Changeable extends CoreChangeable {
  /** Replica numbers the load balancer's config lists now. */
  servers: number[];
  lb: string;
  lbImage: string;
  /** The sources its security groups allow now (undefined when it names none). */
  allow: string[] | undefined;
}

export function changeable(s: ObservedService, snapshot: Pick<Snapshot, 'groups'>): Changeable {
  const c = checked(s);
  const lb = c.loadBalancer;
  if (lb.state !== 'running') {
    throw new ConflictError(`the load balancer of "${s.name}" is ${lb.state}; start it first`, {
      hint: { kind: 'start-lb', container: lb.name },
    });
  }
  return {
    ...c,
    servers: configServers(s),
    lb: lb.name,
    lbImage: lb.image,
    allow: allowFor(c.spec, snapshot),
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

/**
 * How long a replica a change took out of service (the load balancer drained it and the change is
 * committed) has to exit once the engine has sent its stop signal: an app that stops on its signal
 * is gone by then and removed; the command does not wait out the grace of one that ignores it. The
 * engine finishes that stop on its own (SIGKILL after StopTimeout), and the next change of the
 * service, or rm, removes it.
 */
export const RETIRE_WAIT_SECONDS = 1;

/**
 * Whether the engine finishes a stop whose client went away: Docker up to 20.10 never ties a stop
 * to its request, and from 25 it says so (`context.WithoutCancel`); 23 and 24 end the wait when the
 * request goes and kill the container at once, so there a change waits out the whole StopTimeout.
 */
export function engineFinishesStops(serverVersion: string): boolean {
  const major = Number(/^(\d+)\./.exec(serverVersion)?.[1]);
  return Number.isInteger(major) && (major <= 20 || major >= 25);
}

/**
 * The cleanup phase that retires `replicas` (no traffic reaches them): each is stopped with
 * `spec`'s StopTimeout and removed once stopped; where the engine finishes a stop by itself
 * (`detach`), the change waits RETIRE_WAIT_SECONDS at most once it is signalled, else the whole
 * StopTimeout.
 */
export function retireSteps(
  replicas: Array<{ name: string }>,
  spec: Pick<ServiceSpec, 'StopTimeout'>,
  detach: boolean,
): Step[] {
  const grace = spec.StopTimeout;
  return replicas.map(
    (r): Step => ({
      op: 'retire',
      name: r.name,
      graceSeconds: grace,
      ...(detach && grace > RETIRE_WAIT_SECONDS ? { waitSeconds: RETIRE_WAIT_SECONDS } : {}),
    }),
  );
}
