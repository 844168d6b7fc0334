/**
 * Swarm plans that change only the load balancer (FIP, certificate, allow list): Docker configs
 * and secrets cannot change, so each change makes new ones and updates the service (pure).
 */
import type { Plan, Step } from '../../core/steps.js';
import type { SwarmService } from '../../engine/swarm.js';
import { renderAllowList } from '../../haproxy/render-config.js';
import type { ServiceSpec } from '../../spec/types.js';
import { swarmLabels, swarmNames } from './names.js';
import {
  checkSwarmSpec,
  madeBy,
  nextReplicas,
  type SwarmChangeable,
  type SwarmPlanContext,
} from './plans.js';
import { lbConfigText, lbService } from './specs.js';
import { createObject, removeObject, updateService, waitUntil } from './steps.js';

/** The configs and secret a load balancer service mounts, by what they hold. */
export function lbMounts(lb: SwarmService): { config?: string; allow?: string; cert?: string } {
  const cs =
    (lb.spec.TaskTemplate as { ContainerSpec?: Record<string, unknown> } | undefined)?.ContainerSpec ?? {};
  const configs = (cs.Configs as Array<{ ConfigName: string; File: { Name: string } }> | undefined) ?? [];
  const secrets = (cs.Secrets as Array<{ SecretName: string }> | undefined) ?? [];
  return {
    config: configs.find((c) => c.File.Name.endsWith('haproxy.cfg'))?.ConfigName,
    allow: configs.find((c) => c.File.Name.endsWith('.allow'))?.ConfigName,
    cert: secrets[0]?.SecretName,
  };
}

/**
 * The revision new configs and secrets are named with: the next one, past any object already
 * there (a change killed after its load balancer mounted its new ones, before the desired state
 * was written, left them under the next revision's names).
 */
function objectRevision(c: SwarmChangeable): number {
  const made = c.service.parts.objects.map((o) => Number(/-r(\d+)$/.exec(o.name)?.[1] ?? 0));
  return Math.max(c.revision, ...made) + 1;
}

/** What a load balancer change makes anew: its config (its fields changed), allow list, certificate. */
export interface LbChange {
  cert?: string;
  allow?: string[];
  /** Render a new config (a field it is made from changed). */
  config?: boolean;
  /** The replicas service's update, when it is more than the new desired state (apply). */
  replicas?: Step;
}

/**
 * A change of the load balancer (FIP, certificate, allow list): new configs or secrets for what
 * changed, the load balancer's spec updated (Swarm replaces its task: the old one stops first,
 * since the host port allows one at a time), the desired state recorded; the replaced objects
 * removed once it committed.
 */
export function planLbChange(
  c: SwarmChangeable,
  next: ServiceSpec,
  ctx: SwarmPlanContext,
  change: LbChange,
): Plan {
  const mounted = lbMounts(c.lb);
  const r = objectRevision(c);
  const labels = { ...swarmLabels(next.Name, ctx.tenant, 'lb'), ...madeBy() };
  const objects = {
    config: mounted.config ?? swarmNames.object(ctx.tenant, next.Name, 'cfg', r),
    allow: mounted.allow,
    cert: mounted.cert,
  };
  const made: Step[] = [];
  if (change.config) objects.config = swarmNames.object(ctx.tenant, next.Name, 'cfg', r);
  if (!mounted.config || change.config)
    made.push(createObject('config', objects.config, labels, lbConfigText(next, ctx.tenant)));
  if (change.allow !== undefined) {
    objects.allow = swarmNames.object(ctx.tenant, next.Name, 'allow', r);
    made.push(createObject('config', objects.allow, labels, renderAllowList(change.allow)));
  }
  if (change.cert !== undefined) {
    objects.cert = swarmNames.object(ctx.tenant, next.Name, 'cert', r);
    made.push(createObject('secret', objects.cert, labels, change.cert));
  }
  const replaced: Step[] = [];
  if (mounted.config && mounted.config !== objects.config)
    replaced.push(removeObject('config', mounted.config));
  if (mounted.allow && mounted.allow !== objects.allow) replaced.push(removeObject('config', mounted.allow));
  if (mounted.cert && mounted.cert !== objects.cert) replaced.push(removeObject('secret', mounted.cert));
  return {
    phases: [
      ...(made.length > 0 ? [made] : []),
      [updateService(c.lb.name, lbService(next, ctx, ctx.lbImage, { ...objects, owner: ctx.lbOwner }))],
      [change.replicas ?? updateService(c.replicas.name, nextReplicas(c, next, ctx))],
      [waitUntil({ service: next.Name, replicas: next.Replicas, lbLoaded: true })],
    ],
    cleanup: replaced.length > 0 ? [replaced] : [],
    notes: [],
  };
}

export function planSwarmFip(c: SwarmChangeable, fip: string, ctx: SwarmPlanContext): Plan | undefined {
  if (fip === c.spec.FIP) return undefined;
  const next = { ...c.spec, FIP: fip };
  checkSwarmSpec(next);
  return planLbChange(c, next, ctx, {});
}

export function planSwarmUpdateCert(c: SwarmChangeable, pem: string, ctx: SwarmPlanContext): Plan {
  return planLbChange(c, { ...c.spec, SSLCert: pem }, ctx, { cert: pem });
}

export function planSwarmAllow(c: SwarmChangeable, allow: string[], ctx: SwarmPlanContext): Plan {
  return planLbChange(c, c.spec, ctx, { allow });
}
