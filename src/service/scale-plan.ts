/**
 * Planning a change of the replica set: which replica numbers stay, which are added, which go.
 * Pure. Replica N is server `rN` in the load balancer and container `NAME-N-<tenant8>`.
 */

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
