/**
 * Planning `svc rm [--keep] NAME`: remove every object labelled with the service, in an order
 * that keeps it visible (and removable again) if interrupted: the load balancer first (no new
 * traffic; its stop signal lets in-flight requests finish), then the replicas (stopped
 * gracefully), then anything else of it, its records last; then the tenant network, when nothing
 * of the tenant uses it. `keep` leaves the replicas running and lets go of them (they are
 * renamed, see naming.ts keptName). Removal is never undone: every step is cleanup, and a
 * removal that fails half-way is finished by running it again. Pure.
 */

import type { ObservedService, RemoveOptions } from '../../../core/backend.js';
import { desiredSpec } from '../../../core/observe.js';
import type { Plan, Step } from '../../../core/steps.js';
import type { ContainerSummary } from '../../../engine/engine.js';
import { keptName, names } from '../../../model/naming.js';

const DEFAULT_GRACE_SECONDS = 10;

const live = (c: ContainerSummary) =>
  c.state === 'running' || c.state === 'restarting' || c.state === 'paused';

function stopThenRemove(containers: ContainerSummary[], graceOf: (c: ContainerSummary) => number): Step[][] {
  const stops = containers
    .filter(live)
    .map((c): Step => ({ op: 'stop', name: c.name, graceSeconds: graceOf(c) }));
  const removes = containers.map((c): Step => ({ op: 'remove', name: c.name }));
  return [...(stops.length > 0 ? [stops] : []), ...(removes.length > 0 ? [removes] : [])];
}

export function planRemoval(s: ObservedService, opts: RemoveOptions): Plan {
  const cleanup: Step[][] = [];
  const grace = opts.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const replicaGrace = opts.graceSeconds ?? desiredSpec(s)?.StopTimeout ?? DEFAULT_GRACE_SECONDS;
  const replicas = new Set(s.replicas.map((r) => r.name));
  const graceOf = (c: ContainerSummary) => (replicas.has(c.name) ? replicaGrace : grace);
  if (s.lb) cleanup.push(...stopThenRemove([s.lb], graceOf));
  if (opts.keep) {
    // Off the tenant network while renamed, or its DNS would go on answering the old name.
    const network = names.network(s.tenant);
    const renames = s.replicas.map(
      (r): Step => ({ op: 'rename', name: r.name, to: keptName(r.name, r.id), network }),
    );
    if (renames.length > 0) cleanup.push(renames);
    cleanup.push(...stopThenRemove(s.others, graceOf));
  } else {
    cleanup.push(...stopThenRemove([...s.replicas, ...s.others], graceOf));
  }
  const records = s.records.map((r): Step => ({ op: 'remove', name: r.name }));
  if (records.length > 0) cleanup.push(records);
  return { phases: [], cleanup, notes: [] };
}

/** The replicas `planRemoval` with `keep` lets go of: their names afterwards. */
export function keptReplicas(s: ObservedService): Array<{ id: string; name: string }> {
  return s.replicas.map((r) => ({ id: r.id, name: keptName(r.name, r.id) }));
}
