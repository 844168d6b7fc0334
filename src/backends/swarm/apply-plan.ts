/**
 * Planning `svc apply` of a running Swarm service (pure): one `service update` of the replicas
 * service with the new task spec, which Swarm rolls (start-first, `parallelism` at a time, rolled
 * back when a new task fails) only when the task template changed (what replicas are made from, and
 * HealthCheckPath, the tasks' health check on Swarm); a change of Replicas alone is
 * Swarm's scale (the tasks that stay are kept); a change of load balancer fields makes a new config
 * (and allow list, certificate) and updates the load balancer service, the replicas kept.
 */
import type { ApplyPlanOptions } from '../../core/backend.js';
import type { Plan, Step } from '../../core/steps.js';
import { isImageOrPinned } from '../../engine/image-reference.js';
import type { ServiceSpec } from '../../spec/types.js';
import { planLbChange } from './lb-plans.js';
import {
  checkSwarmSpec,
  forced,
  nextReplicas,
  runningImage,
  type SwarmChangeable,
  type SwarmPlanContext,
} from './plans.js';
import { replicasService } from './specs.js';
import { updateService, waitUntil } from './steps.js';

export interface SwarmApplyContext extends SwarmPlanContext {
  /** The load balancer's allow list for `next` (undefined when it names no group). */
  allow: string[] | undefined;
  /** The PEM, when the certificate changes. */
  cert?: string;
}

export function planSwarmApply(
  c: SwarmChangeable,
  next: ServiceSpec,
  ctx: SwarmApplyContext,
  opts: ApplyPlanOptions,
): Plan | undefined {
  checkSwarmSpec(next);
  const up = c.service.replicas.filter((r) => r.state === 'running').length;
  // Swarm rolls the tasks when their template changes: what replicas are made from, and (since it is
  // the tasks' health check) HealthCheckPath.
  // The image each runs: now, the reference the tasks run; next, the one ctx pinned (a tag the
  // registry moved is another digest), else the running one while the Image stays.
  const running = runningImage(c.replicas);
  const nextImage = ctx.replicaImage ?? (isImageOrPinned(running, next.Image) ? running : next.Image);
  const template = (spec: ServiceSpec, replicaImage: string) =>
    JSON.stringify(replicasService(spec, { ...ctx, replicaImage }, {}).TaskTemplate);
  const rolling =
    Boolean(opts.force) ||
    template(next, nextImage) !== template(c.spec, running) ||
    c.service.replicas.some((r) => r.outdated);
  if (opts.changes.length === 0 && !rolling && up === next.Replicas) return undefined;
  const previous = next.Image !== c.spec.Image ? c.spec.Image : undefined;
  let spec = nextReplicas(c, next, ctx, previous, opts.parallelism);
  if (opts.force) spec = forced(c, spec);
  const replicas: Step = updateService(c.replicas.name, spec, rolling);
  const lbFields = opts.changes.filter((f) => f.effect === 'load balancer').map((f) => f.field);
  if (lbFields.length > 0) {
    const allow = lbFields.includes('SecurityGroups') ? ctx.allow : undefined;
    return planLbChange(c, next, ctx, { config: true, allow, cert: ctx.cert, replicas });
  }
  const wait = waitUntil({
    service: c.service.name,
    replicas: next.Replicas,
    ...(rolling ? { image: next.Image } : {}),
    lbLoaded: false,
  });
  return { phases: [[replicas], [wait]], cleanup: [], notes: [] };
}
