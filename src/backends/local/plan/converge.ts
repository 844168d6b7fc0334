/**
 * Planning `svc apply` of a running local service: the least change that makes it `next`.
 * Replicas whose spec hash differs from `next`'s (or whose image ID is not the one `next.Image`
 * names now) are replaced, readiness-gated as a rolling update is; with none to replace, a change
 * of Replicas is a scale (the replicas that stay are kept) and a change of load balancer fields is
 * a reload; a FIP change replaces the load balancer (as attach-fip does), every replica kept.
 * Fields that cannot change in place are refused before (core/plan/spec-diff.ts). Pure.
 */
import type { ObservedReplica } from '../../../core/backend.js';
import type { LbTarget, Plan } from '../../../core/steps.js';
import { UsageError } from '../../../errors.js';
import { LABEL } from '../../../model/naming.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, freeNumbers } from './change.js';
import { planLbReplacement } from './fip.js';
import { planReplacement, type RollingUpdateContext } from './rolling-update.js';
import { planScaleSteps } from './scale.js';

export interface ConvergeContext extends RollingUpdateContext {
  /** The ID of the image `next.Image` names on the engine now (undefined: not known). */
  imageId?: string;
  /** Replace every replica, even current ones. */
  force?: boolean;
  /** The load balancer's extras for `next`: its allow list, and the PEM when the certificate changes. */
  lb: Pick<LbTarget, 'allow' | 'cert'>;
}

/** Whether a replica is not made from `next` (its spec hash differs, or its image is another than the tag's now). */
export function isOutdated(r: ObservedReplica, hash: string, imageId: string | undefined): boolean {
  if (r.labels[LABEL.specHash] !== hash) return true;
  return imageId !== undefined && r.imageId !== undefined && r.imageId !== imageId;
}

/** The serving replicas `next` replaces. */
export function outdatedReplicas(c: Changeable, next: ServiceSpec, ctx: ConvergeContext): ObservedReplica[] {
  const inConfig = new Set(c.servers);
  const hash = specHash(next);
  return c.service.replicas.filter(
    (r) => inConfig.has(r.number) && (ctx.force || isOutdated(r, hash, ctx.imageId)),
  );
}

/** The least change from `c` to `next` (`specChanged`: some field differs); undefined: nothing to do. */
export function planConverge(
  c: Changeable,
  next: ServiceSpec,
  specChanged: boolean,
  ctx: ConvergeContext,
): Plan | undefined {
  const outdated = outdatedReplicas(c, next, ctx);
  if (next.FIP !== c.spec.FIP) {
    if (outdated.length > 0 || next.Replicas !== c.spec.Replicas) {
      throw new UsageError(
        `service "${c.service.name}": a FIP change replaces the load balancer and cannot be made together with a change of the replicas; nothing was changed. Apply the FIP change first (or svc attach-fip/detach-fip), then the rest`,
      );
    }
    return planLbReplacement(c, next, ctx.lb, 'apply');
  }
  if (outdated.length === 0) {
    const change = { spec: specChanged ? next : undefined, lb: ctx.lb, operation: 'apply' as const };
    return planScaleSteps(c, next.Replicas, ctx, change).plan;
  }
  const inConfig = new Set(c.servers);
  const leaving = new Set(outdated.map((r) => r.number));
  const keep = c.service.replicas
    .filter((r) => inConfig.has(r.number) && !leaving.has(r.number))
    .slice(0, next.Replicas)
    .map((r) => r.number);
  const kept = new Set(keep);
  const old = c.service.replicas.filter((r) => inConfig.has(r.number) && !kept.has(r.number));
  const fresh = freeNumbers(
    [...c.service.replicas.map((r) => r.number), ...c.servers],
    next.Replicas - keep.length,
  );
  const final = [...keep, ...fresh].sort((a, b) => a - b);
  const previousImage = next.Image !== c.spec.Image ? c.spec.Image : c.previousImage;
  return planReplacement(c, { next, fresh, old, final, operation: 'apply', previousImage, lb: ctx.lb }, ctx);
}

/** What a converge plan does, for people: `2 replicas replaced`, `load balancer replaced`, … */
export function describeConverge(c: Changeable, plan: Plan | undefined): string {
  if (!plan) return 'unchanged';
  const steps = plan.phases.flat();
  const created = steps.filter((s) => s.op === 'create' && s.role === 'replica').length;
  const retired = plan.cleanup.flat().filter((s) => s.op === 'retire').length;
  if (steps.some((s) => s.op === 'create' && s.role === 'lb'))
    return 'load balancer replaced, every replica kept';
  if (created > 0 && retired > 0) return `${retired} replicas replaced by ${created} (rolling)`;
  const servers = steps.flatMap((s) => (s.op === 'lb-apply' ? [s.target.servers.length] : [])).at(-1);
  if (servers !== undefined && servers !== c.servers.length)
    return `${c.servers.length} → ${servers} replicas`;
  return 'load balancer reloaded, every replica kept';
}
