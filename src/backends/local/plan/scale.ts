/**
 * Planning `svc scale`: which replica numbers stay, which are added, which go, and the steps
 * that do it. Pure. Replica N is server `rN` in the load balancer and container `NAME-N-<tenant8>`.
 */

import type { Operation } from '../../../core/records.js';
import type { LbTarget, Plan, Step } from '../../../core/steps.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, recordSteps, replicaName, retireSteps } from './change.js';
import { replicaContainer } from './create.js';

export interface ReplicaState {
  number: number;
  running: boolean;
  /**
   * In the load balancer's config (the desired state's servers). One that is not is left over from
   * an earlier change (a replaced replica still stopping, or one a killed command left): it goes.
   */
  inConfig?: boolean;
}

export interface ScalePlan {
  /** Replicas that stay (sorted). */
  keep: number[];
  /** Kept replicas that are not running and get started again. */
  restart: number[];
  /** New replicas to create and start (sorted). */
  add: number[];
  /** Replicas to drain and remove (sorted), those left over from an earlier change among them. */
  remove: number[];
  /** The replica set afterwards: what the load balancer's config lists. */
  final: number[];
}

/**
 * Converge to `target` replicas. The lowest-numbered replicas in the load balancer's config are
 * kept (the newest go first when scaling down); missing ones (removed by hand) are re-created under
 * the lowest free numbers, so `svc scale NAME=N` with the same N repairs a service. Replicas not in
 * the config (left over from an earlier change) are never kept: they go, and their numbers are not
 * reused while they exist.
 */
export function planScale(existing: ReplicaState[], target: number): ScalePlan {
  const sorted = [...existing].sort((a, b) => a.number - b.number);
  const serving = sorted.filter((r) => r.inConfig !== false);
  const leftover = sorted.filter((r) => r.inConfig === false).map((r) => r.number);
  const keep = serving.slice(0, target).map((r) => r.number);
  const remove = [...serving.slice(target).map((r) => r.number), ...leftover].sort((a, b) => a - b);
  const restart = serving
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
  /** Whether the engine finishes a stop by itself (engineFinishesStops): the cleanup need not wait it out. */
  detachStops: boolean;
}

/** What else a scale changes (apply): the spec besides Replicas, and the load balancer's extras. */
export interface ScaleChange {
  /** The desired spec, when it differs in more than Replicas (load balancer fields only). */
  spec?: ServiceSpec;
  lb?: Pick<LbTarget, 'allow' | 'cert'>;
  operation?: Operation;
}

const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((n) => b.includes(n));

/**
 * The steps that converge `c` to `target` replicas (no plan when there is nothing to do), and the
 * replica numbers they add, restart and remove. New replicas start and must pass a check before
 * the change commits; leaving ones leave the config first and are retired (change.ts) only once the
 * load balancer's old workers have finished with them.
 */
export function planScaleSteps(
  c: Changeable,
  target: number,
  ctx: ScaleContext,
  change: ScaleChange = {},
): { plan: Plan | undefined; numbers: ScalePlan } {
  const inConfig = new Set(c.servers);
  const numbers = planScale(
    c.service.replicas.map((r) => ({
      number: r.number,
      running: r.state === 'running',
      inConfig: inConfig.has(r.number),
    })),
    target,
  );
  const { add, restart, remove, final } = numbers;
  const next = { ...(change.spec ?? c.spec), Replicas: target };
  const lb = change.lb ?? { allow: c.allow };
  const leaving = c.service.replicas.filter((r) => remove.includes(r.number));
  const same = !change.spec && c.spec.Replicas === target && sameSet(final, c.servers);
  if (add.length + restart.length === 0 && same) {
    // The config stays: at most replicas left over from an earlier change to retire.
    const plan =
      leaving.length > 0
        ? { phases: [], cleanup: [retireSteps(leaving, next, ctx.detachStops)], notes: [] }
        : undefined;
    return { plan, numbers };
  }
  const hash = specHash(next);
  const tenant = c.service.tenant;
  const records = recordSteps(c, change.operation ?? 'scale', next, final);
  const created = add.map((n) => replicaContainer(next, tenant, n, ctx.engineCpus, hash));
  const phases: Step[][] = [[records.lock]];
  if (created.length > 0)
    phases.push(created.map((container): Step => ({ op: 'create', role: 'replica', container })));
  const starts = [...add, ...restart].map((n): Step => ({ op: 'start', name: replicaName(c, n) }));
  if (starts.length > 0) phases.push(starts);
  phases.push([
    {
      op: 'lb-apply',
      lb: c.lb,
      target: { spec: next, servers: final, ...lb },
      up: [...add, ...restart],
      drain: leaving.some((r) => inConfig.has(r.number)),
    },
  ]);
  phases.push([records.outcome]);
  const cleanup: Step[][] = [records.cleanup];
  if (leaving.length > 0) cleanup.unshift(retireSteps(leaving, next, ctx.detachStops));
  return { plan: { phases, cleanup, notes: [] }, numbers };
}
