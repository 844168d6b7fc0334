/**
 * Plans on the swarm backend (pure), in the core's step vocabulary with the Swarm steps added
 * (steps.ts), run by the one executor with its journal. Swarm does the scheduling, the restarts,
 * the rolling update and its rollback; svc writes the specs, waits until the load balancer sees
 * the replicas UP, and undoes a change (the service's spec before it) when a step fails.
 */
import type { Changeable } from '../../core/backend.js';
import { type Operation, operationOwner, recordContainer } from '../../core/records.js';
import { incomplete } from '../../core/services.js';
import type { Plan, Step } from '../../core/steps.js';
import { isImageOrPinned } from '../../engine/image-reference.js';
import type { ServiceSpecJson, SwarmService } from '../../engine/swarm.js';
import { ConflictError, UsageError } from '../../errors.js';
import { renderAllowList } from '../../haproxy/render-config.js';
import { baseLabels, LABEL } from '../../model/naming.js';
import type { ServiceSpec } from '../../spec/types.js';
import { swarmLabels, swarmNames } from './names.js';
import type { SwarmParts } from './observe.js';
import { lbConfigText, lbService, replicasService, type SwarmContext } from './specs.js';
import {
  createObject,
  createService,
  ensureOverlay,
  removeObject,
  updateService,
  waitUntil,
} from './steps.js';

/** What a create or change needs beyond the spec: where the load balancer runs, as whom. */
export interface SwarmPlanContext extends SwarmContext {
  lbImage: string;
  /** The user HAProxy runs as in the load balancer image (read only for a service with a certificate). */
  lbOwner?: { uid: number; gid: number };
  created: string;
}

/** The desired state kept in the replicas service's labels (as a local record's). */
export function recordLabels(
  spec: ServiceSpec,
  tenant: string,
  revision: number,
  created: string,
  previousImage?: string,
) {
  const { labels } = recordContainer({
    tenant,
    spec,
    revision,
    created,
    servers: [],
    image: '',
    previousImage,
  });
  const keep = [LABEL.spec, LABEL.revision, LABEL.created, LABEL.specHash, LABEL.previousImage];
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) => keep.includes(k as (typeof keep)[number])),
  );
}

/**
 * Labels saying which command is making a change (this one): on the configs and secrets it makes
 * (a create's say `create`), and on a replicas service Swarm rolls, so that what a killed command
 * left is told from what a running one is making (observe.ts).
 */
export function madeBy(operation?: Operation): Record<string, string> {
  return {
    ...(operation ? { [LABEL.operation]: operation } : {}),
    [LABEL.operationOwner]: operationOwner(),
  };
}

/** FIP on Swarm: host mode binds every address of the node, so only 0.0.0.0 says what happens. */
export function checkSwarmSpec(spec: ServiceSpec): void {
  if (spec.FIP && spec.FIP !== '0.0.0.0' && spec.FIP !== '::') {
    throw new UsageError(
      `FIP ${spec.FIP} cannot be honoured on Swarm: a published port listens on every address of the load balancer's node (host mode); use FIP 0.0.0.0`,
    );
  }
  if (spec.NetMode && spec.NetMode !== 'bridge')
    throw new UsageError(`NetMode ${spec.NetMode} is not available on Swarm`);
}

/** A new load balancer's config, allow list and certificate: their names, and the steps making them. */
function firstObjects(
  spec: ServiceSpec,
  tenant: string,
  allow: string[] | undefined,
): { objects: { config: string; allow?: string; cert?: string }; made: Step[] } {
  const labels = { ...swarmLabels(spec.Name, tenant, 'lb'), ...madeBy('create') };
  const objects: { config: string; allow?: string; cert?: string } = {
    config: swarmNames.object(tenant, spec.Name, 'cfg', 1),
  };
  const made: Step[] = [createObject('config', objects.config, labels, lbConfigText(spec, tenant))];
  if (allow !== undefined) {
    objects.allow = swarmNames.object(tenant, spec.Name, 'allow', 1);
    made.push(createObject('config', objects.allow, labels, renderAllowList(allow)));
  }
  if (spec.SSLCert) {
    objects.cert = swarmNames.object(tenant, spec.Name, 'cert', 1);
    made.push(createObject('secret', objects.cert, labels, spec.SSLCert));
  }
  return { objects, made };
}

export function planSwarmCreate(
  spec: ServiceSpec,
  ctx: SwarmPlanContext,
  existing: string[],
  allow?: string[],
): Plan {
  checkSwarmSpec(spec);
  if (existing.includes(spec.Name))
    throw new ConflictError(`service "${spec.Name}" already exists in tenant ${ctx.tenant}`);
  const { objects, made } = firstObjects(spec, ctx.tenant, allow);
  const replicas = replicasService(spec, ctx, recordLabels(spec, ctx.tenant, 1, ctx.created));
  const lb = lbService(spec, ctx, ctx.lbImage, { ...objects, owner: ctx.lbOwner });
  const network = swarmNames.network(ctx.tenant);
  return {
    phases: [
      [ensureOverlay(network, baseLabels(ctx.tenant, 'network'), ctx.lbImage)],
      made,
      [createService('replica', replicas)],
      [createService('lb', lb)],
      [waitUntil({ service: spec.Name, replicas: 0, lbLoaded: true })],
    ],
    cleanup: [],
    notes: [],
  };
}

/** A Swarm service that can be changed: its two Swarm services too. */
export interface SwarmChangeable extends Changeable<SwarmParts> {
  replicas: SwarmService;
  lb: SwarmService;
}

export function swarmChangeable(c: Changeable<SwarmParts>): SwarmChangeable {
  const { replicas, lb } = c.service.parts;
  if (!replicas || !lb) throw incomplete(c.service);
  return { ...c, replicas, lb };
}

/** The image reference the replicas service runs now (pinned to a digest when it was resolved). */
export function runningImage(s: SwarmService): string {
  const task = s.spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined;
  return task?.ContainerSpec?.Image ?? '';
}

/**
 * The replicas service's spec for `next` (its labels the next revision of the desired state). Its
 * tasks keep the digest they run while the Image stays the same (a scale or a change of the load
 * balancer starts no task of another image), unless `ctx` resolved one. A new image
 * (`previousImage` the one running) records the reference the release before ran, for a rollback.
 */
export function nextReplicas(
  c: SwarmChangeable,
  next: ServiceSpec,
  ctx: SwarmContext,
  previousImage?: string,
  parallelism = 1,
): ServiceSpecJson {
  const running = runningImage(c.replicas);
  const same = isImageOrPinned(running, next.Image);
  const labels = recordLabels(next, ctx.tenant, c.revision + 1, c.created, previousImage ?? c.previousImage);
  const ranBefore =
    previousImage !== undefined && previousImage === c.spec.Image
      ? running
      : c.replicas.labels[LABEL.previousRun];
  if (ranBefore) labels[LABEL.previousRun] = ranBefore;
  return replicasService(
    next,
    { ...ctx, replicaImage: ctx.replicaImage ?? (same ? running : undefined) },
    labels,
    parallelism,
  );
}

export function planSwarmScale(c: SwarmChangeable, target: number, ctx: SwarmContext): Plan | undefined {
  const running = c.service.replicas.filter((r) => r.state === 'running').length;
  if (target === c.spec.Replicas && running === target) return undefined;
  const next = { ...c.spec, Replicas: target };
  return {
    phases: [
      [updateService(c.replicas.name, nextReplicas(c, next, ctx))],
      [waitUntil({ service: c.service.name, replicas: target, lbLoaded: false })],
    ],
    cleanup: [],
    notes: [],
  };
}

/** The replicas' spec with Swarm's ForceUpdate counter raised: every task is replaced. */
export function forced(c: SwarmChangeable, spec: ServiceSpecJson): ServiceSpecJson {
  const before = (c.replicas.spec.TaskTemplate as { ForceUpdate?: number } | undefined)?.ForceUpdate ?? 0;
  return { ...spec, TaskTemplate: { ...(spec.TaskTemplate as object), ForceUpdate: before + 1 } };
}

export function planSwarmRollingUpdate(
  c: SwarmChangeable,
  image: string,
  ctx: SwarmContext,
  parallelism = 1,
  force = false,
): Plan | undefined {
  const current = c.service.replicas.map((r) => r.image);
  if (!force && c.spec.Image === image && current.every((i) => i === image)) return undefined;
  const next = { ...c.spec, Image: image };
  const previous = c.spec.Image !== image ? c.spec.Image : c.previousImage;
  const replicas = nextReplicas(c, next, ctx, previous, parallelism);
  replicas.Labels = { ...(replicas.Labels as Record<string, string>), ...madeBy('rolling-update') };
  const spec = force ? forced(c, replicas) : replicas;
  return {
    phases: [
      // Swarm's rolling update: `parallelism` tasks at a time, the new ones first, rolled back by
      // Swarm when a new task fails; svc then waits until the load balancer sees every new replica UP.
      [updateService(c.replicas.name, spec, true)],
      [waitUntil({ service: c.service.name, replicas: next.Replicas, image, lbLoaded: false })],
    ],
    cleanup: [],
    notes: [],
  };
}

/** rm: both services, then their configs and secrets; never undone. */
export function planSwarmRemoval(
  parts: SwarmParts,
  objects: Array<{ kind: 'config' | 'secret'; name: string }>,
): Plan {
  const services = [parts.lb?.name, parts.replicas?.name].filter((n): n is string => Boolean(n));
  return {
    phases: [],
    cleanup: [
      services.map((name) => removeObject('service', name)),
      objects.map((o) => removeObject(o.kind, o.name)),
    ],
    notes: [],
  };
}
