/**
 * Planning `svc scale`: which replica numbers stay, which are added, which go, and the steps
 * that do it. Pure. Replica N is server `rN` in the load balancer and container `NAME-N-<tenant8>`.
 */

import type { Plan, Step } from '../../../core/steps.js';
import { specHash } from '../../../model/spec-hash.js';
import { type Changeable, recordSteps, replicaName } from './change.js';
import { replicaContainer } from './create.js';

export interface ReplicaState {
  number: number;
  running: boolean;
}

export interface ScalePlan {
  /** Replicas that stay (sorted). */
  keep: number[];
  /** Kept replicas that are not running and get started again. */
  restart: number[];
  /** New replicas to create and start (sorted). */
  add: number[];
  /** Replicas to drain and remove (sorted). */
  remove: number[];
  /** The replica set afterwards: what the load balancer's config lists. */
  final: number[];
}

/**
 * Converge to `target` replicas. The lowest-numbered existing replicas are kept (the newest go
 * first when scaling down); missing ones (removed by hand) are re-created under the lowest free
 * numbers, so `svc scale NAME=N` with the same N repairs a service.
 */
export function planScale(existing: ReplicaState[], target: number): ScalePlan {
  const sorted = [...existing].sort((a, b) => a.number - b.number);
  const keep = sorted.slice(0, target).map((r) => r.number);
  const remove = sorted.slice(target).map((r) => r.number);
  const restart = sorted
    .slice(0, target)
    .filter((r) => !r.running)
    .map((r) => r.number);
  const taken = new Set(sorted.map((r) => r.number));
  const add: number[] = [];
  for (let n = 1; keep.length + add.length < target; n++) {
    if (!taken.has(n)) add.push(n);
  }
  const final = [...keep, ...add].sort((a, b) => a - b);
  return { keep, restart, add, remove, final };
}

/** One line a change, for people and tests: `add 3 4`, `remove 2`, `restart 1`. */
export function describeScale(plan: ScalePlan): string {
  const parts: string[] = [];
  if (plan.add.length) parts.push(`add ${plan.add.join(' ')}`);
  if (plan.restart.length) parts.push(`restart ${plan.restart.join(' ')}`);
  if (plan.remove.length) parts.push(`remove ${plan.remove.join(' ')}`);
  return parts.length ? parts.join('; ') : 'nothing to do';
}

export interface ScaleContext {
  /** CPUs the engine has (new replicas' CPUs are capped at it). */
  engineCpus: number;
}

const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((n) => b.includes(n));

/**
 * The steps that converge `c` to `target` replicas (no plan when there is nothing to do), and the
 * replica numbers they add, restart and remove. New replicas start and must pass a check before
 * the change commits; leaving ones leave the config first and are stopped only once the load
 * balancer's old workers have finished with them.
 */
export function planScaleSteps(
  c: Changeable,
  target: number,
  ctx: ScaleContext,
): { plan: Plan | undefined; numbers: ScalePlan } {
  const numbers = planScale(
    c.service.replicas.map((r) => ({ number: r.number, running: r.state === 'running' })),
    target,
  );
  const { add, restart, remove, final } = numbers;
  if (
    add.length + restart.length + remove.length === 0 &&
    c.spec.Replicas === target &&
    sameSet(final, c.servers)
  )
    return { plan: undefined, numbers };
  const next = { ...c.spec, Replicas: target };
  const hash = specHash(next);
  const tenant = c.service.tenant;
  const records = recordSteps(c, 'scale', next, final);
  const created = add.map((n) => replicaContainer(next, tenant, n, ctx.engineCpus, hash));
  const leaving = remove.map((n) => replicaName(c, n));
  const phases: Step[][] = [[records.lock]];
  if (created.length > 0)
    phases.push(created.map((container): Step => ({ op: 'create', role: 'replica', container })));
  const starts = [...add, ...restart].map((n): Step => ({ op: 'start', name: replicaName(c, n) }));
  if (starts.length > 0) phases.push(starts);
  phases.push([
    {
      op: 'lb-apply',
      lb: c.lb,
      target: { spec: next, servers: final, allow: c.allow },
      up: [...add, ...restart],
      drain: remove.length > 0,
    },
  ]);
  phases.push([records.outcome]);
  const cleanup: Step[][] = [];
  if (leaving.length > 0) {
    cleanup.push(leaving.map((name): Step => ({ op: 'stop', name, graceSeconds: next.StopTimeout })));
    cleanup.push(leaving.map((name): Step => ({ op: 'remove', name })));
  }
  cleanup.push(records.cleanup);
  return { plan: { phases, cleanup, notes: [] }, numbers };
}
