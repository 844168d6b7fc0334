/**
 * Plans on the swarm backend (pure), in the same Step vocabulary as the local ones and run by the
 * same executor with its journal. Swarm does the scheduling, the restarts, the rolling update and
 * its rollback; svc writes the specs, waits until the load balancer sees the replicas UP, and
 * undoes a change (the service's spec before it) when a step fails.
 */

import type { ObservedService } from '../../core/observe.js';
import { recordContainer } from '../../core/records.js';
import type { Plan, Step } from '../../core/steps.js';
import type { ServiceSpecJson, SwarmService } from '../../engine/swarm.js';
import { ConflictError, UsageError } from '../../errors.js';
import { renderAllowList } from '../../haproxy/render-config.js';
import { baseLabels, LABEL, names } from '../../model/naming.js';
import type { ServiceSpec } from '../../spec/types.js';
import { lbConfigText, lbService, replicasService, type SwarmContext, swarmLabels } from './specs.js';

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

/** A config or secret's name (they cannot change: a change makes a new one, named by revision). */
export const objectName = (tenant: string, service: string, what: string, revision: number) =>
  names.swarmObject(tenant, service, `${what}-r${revision}`);

export function objectLabels(spec: ServiceSpec, tenant: string) {
  return { ...baseLabels(tenant, 'lb'), [LABEL.service]: spec.Name, [LABEL.backend]: 'swarm' };
}

/** A new load balancer's config, allow list and certificate: their names, and the steps making them. */
function firstObjects(
  spec: ServiceSpec,
  tenant: string,
  allow: string[] | undefined,
): { objects: { config: string; allow?: string; cert?: string }; made: Step[] } {
  const labels = objectLabels(spec, tenant);
  const objects: { config: string; allow?: string; cert?: string } = {
    config: objectName(tenant, spec.Name, 'cfg', 1),
  };
  const made: Step[] = [
    { op: 'swarm-object', kind: 'config', name: objects.config, labels, data: lbConfigText(spec, tenant) },
  ];
  if (allow !== undefined) {
    objects.allow = objectName(tenant, spec.Name, 'allow', 1);
    made.push({
      op: 'swarm-object',
      kind: 'config',
      name: objects.allow,
      labels,
      data: renderAllowList(allow),
    });
  }
  if (spec.SSLCert) {
    objects.cert = objectName(tenant, spec.Name, 'cert', 1);
    made.push({ op: 'swarm-object', kind: 'secret', name: objects.cert, labels, data: spec.SSLCert });
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
  const network = names.swarmNetwork(ctx.tenant);
  return {
    phases: [
      [
        {
          op: 'ensure-network',
          network,
          labels: baseLabels(ctx.tenant, 'network'),
          lockImage: ctx.lbImage,
          driver: 'overlay',
        },
      ],
      made,
      [{ op: 'swarm-create', role: 'replica', spec: replicas }],
      [{ op: 'swarm-create', role: 'lb', spec: lb }],
      [{ op: 'swarm-wait', service: spec.Name, replicas: 0, lbLoaded: true }],
    ],
    cleanup: [],
    notes: [],
  };
}

/** A Swarm service that can be changed: its parts, its desired spec and next revision. */
export interface SwarmChangeable {
  service: ObservedService;
  spec: ServiceSpec;
  replicas: SwarmService;
  lb: SwarmService;
  revision: number;
  created: string;
  previousImage: string | undefined;
}

export function swarmChangeable(s: ObservedService): SwarmChangeable {
  const replicas = s.swarm?.replicas;
  const lb = s.swarm?.lb;
  const spec = s.current?.spec;
  if (!replicas || !lb || !spec) {
    throw new ConflictError(`service "${s.name}" is incomplete (left by an interrupted command)`, {
      hint: { kind: 'remove', service: s.name },
    });
  }
  if (s.operation)
    throw new ConflictError(
      `service "${s.name}" is being changed (${s.operation}); try again when it is done`,
    );
  return {
    service: s,
    spec,
    replicas,
    lb,
    revision: s.current?.revision ?? 1,
    created: s.current?.created ?? '',
    previousImage: s.current?.previousImage,
  };
}

/** The replicas service's spec for `next` (its labels the next revision of the desired state). */
export function nextReplicas(
  c: SwarmChangeable,
  next: ServiceSpec,
  ctx: SwarmContext,
  previousImage?: string,
): ServiceSpecJson {
  return replicasService(
    next,
    ctx,
    recordLabels(next, ctx.tenant, c.revision + 1, c.created, previousImage ?? c.previousImage),
  );
}

export function planSwarmScale(c: SwarmChangeable, target: number, ctx: SwarmContext): Plan | undefined {
  const running = c.service.replicas.filter((r) => r.state === 'running').length;
  if (target === c.spec.Replicas && running === target) return undefined;
  const next = { ...c.spec, Replicas: target };
  return {
    phases: [
      [{ op: 'swarm-update', service: c.replicas.name, spec: nextReplicas(c, next, ctx) }],
      [{ op: 'swarm-wait', service: c.service.name, replicas: target, lbLoaded: false }],
    ],
    cleanup: [],
    notes: [],
  };
}

export function planSwarmRollingUpdate(
  c: SwarmChangeable,
  image: string,
  ctx: SwarmContext,
): Plan | undefined {
  const current = c.service.replicas.map((r) => r.image);
  if (c.spec.Image === image && current.every((i) => i === image)) return undefined;
  const next = { ...c.spec, Image: image };
  const previous = c.spec.Image !== image ? c.spec.Image : c.previousImage;
  return {
    phases: [
      // Swarm's rolling update: one task at a time, the new one first, rolled back by Swarm when a
      // new task fails; svc then waits until the load balancer sees every new replica UP.
      [
        {
          op: 'swarm-update',
          service: c.replicas.name,
          spec: nextReplicas(c, next, ctx, previous),
          rolling: true,
        },
      ],
      [{ op: 'swarm-wait', service: c.service.name, replicas: next.Replicas, image, lbLoaded: false }],
    ],
    cleanup: [],
    notes: [],
  };
}

/** rm: both services, then their configs and secrets; never undone. */
export function planSwarmRemoval(
  s: ObservedService,
  objects: Array<{ kind: 'config' | 'secret'; name: string }>,
): Plan {
  const services = [s.swarm?.lb?.name, s.swarm?.replicas?.name].filter((n): n is string => Boolean(n));
  return {
    phases: [],
    cleanup: [
      services.map((name): Step => ({ op: 'swarm-remove', kind: 'service', name })),
      objects.map((o): Step => ({ op: 'swarm-remove', kind: o.kind, name: o.name })),
    ],
    notes: [],
  };
}

export { lbMounts, planSwarmAllow, planSwarmFip, planSwarmUpdateCert } from './lb-plans.js';
export { swarmLabels };
