/**
 * Planning `svc rolling-update`: every new replica is created and started at once (their warm-ups
 * overlap), then they join the load balancer `parallelism` at a time, each batch having to pass its
 * health checks (and, with an image HEALTHCHECK, be healthy) before the next; the old replicas a
 * batch replaces leave the config at that next reload but keep running, so that a failure at any
 * point puts the old config back with every old replica still there: the service is exactly as it
 * was, as Swarm's `failure_action: rollback` does. Once every new replica is UP, the last reload
 * drains the old ones, the change commits, and the cleanup retires them (change.ts). Pure.
 */

import type { Operation } from '../../../core/records.js';
import { replicaImage } from '../../../core/status.js';
import type { LbTarget, Plan, Step } from '../../../core/steps.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, freeNumbers, recordSteps, replicaName, retireSteps } from './change.js';
import { replicaContainer } from './create.js';

export interface RollingUpdateContext {
  /** CPUs the engine has (new replicas' CPUs are capped at it). */
  engineCpus: number;
  /** New replicas that join the load balancer together (1: one at a time). */
  parallelism: number;
  /** Whether the engine finishes a stop by itself (engineFinishesStops): the cleanup need not wait it out. */
  detachStops: boolean;
}

/** What the replicas ran before the update (the most common image), unless that is the new one. */
export function previousImageOf(running: string[], desired: string, next: string): string | undefined {
  const counts = new Map<string, number>();
  for (const i of running) counts.set(i, (counts.get(i) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const previous = top?.[0] ?? desired;
  return previous !== next ? previous : undefined;
}

/** `items` in batches of `size`. */
function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** What a replacement changes: the new replicas, the old ones leaving, and what the load balancer serves. */
export interface Replacement {
  next: ServiceSpec;
  /** New replica numbers. */
  fresh: number[];
  /** Serving replicas that leave (replaced, or beyond the new count). */
  old: Changeable['service']['replicas'];
  /** The servers afterwards. */
  final: number[];
  operation: Operation;
  previousImage: string | undefined;
  /** What the load balancer gets besides spec and servers (allow list, new certificate). */
  lb: Pick<LbTarget, 'allow' | 'cert'>;
}

/**
 * Create and start every new replica at once, then per batch one reload: the batch joins (as the
 * old replicas of the batch before it leave) and must be UP; a last reload drains the old ones.
 */
function replacePhases(c: Changeable, r: Replacement, ctx: RollingUpdateContext): Step[][] {
  const { next, fresh, old, final } = r;
  if (fresh.length + old.length === 0) return [];
  const hash = specHash(next);
  const phases: Step[][] = [];
  if (fresh.length > 0) {
    phases.push(
      fresh.map(
        (n): Step => ({
          op: 'create',
          role: 'replica',
          container: replicaContainer(next, c.service.tenant, n, ctx.engineCpus, hash),
        }),
      ),
      fresh.map((n): Step => ({ op: 'start', name: replicaName(c, n) })),
    );
  }
  const size = Math.max(1, Math.min(ctx.parallelism, fresh.length));
  const joining = batches(fresh, size);
  const leaving = batches(
    old.map((o) => o.number),
    size,
  );
  let servers = [...c.servers];
  joining.forEach((batch, i) => {
    // The old replicas of batch i-1 leave the config as batch i joins; those of batch i stay
    // until it is UP.
    const out = new Set(leaving[i - 1] ?? []);
    servers = [...servers.filter((s) => !out.has(s)), ...batch].sort((a, b) => a - b);
    phases.push([
      { op: 'lb-apply', lb: c.lb, target: { spec: next, servers, ...r.lb }, up: batch, drain: false },
    ]);
  });
  phases.push([
    { op: 'lb-apply', lb: c.lb, target: { spec: next, servers: final, ...r.lb }, up: [], drain: true },
  ]);
  return phases;
}

/** The whole replacement, between its records; the cleanup retires the old replicas and any left over. */
export function planReplacement(c: Changeable, r: Replacement, ctx: RollingUpdateContext): Plan {
  const records = recordSteps(c, r.operation, r.next, r.final, r.previousImage);
  const phases: Step[][] = [[records.lock], ...replacePhases(c, r, ctx), [records.outcome]];
  // The replaced replicas, and any left over from an earlier change (not in the config).
  const inConfig = new Set(c.servers);
  const leftover = c.service.replicas.filter((x) => !inConfig.has(x.number));
  const cleanup: Step[][] = [];
  const retiring = [...r.old, ...leftover];
  if (retiring.length > 0) cleanup.push(retireSteps(retiring, r.next, ctx.detachStops));
  cleanup.push(records.cleanup);
  return { phases, cleanup, notes: [] };
}

/** With `force`, every serving replica is replaced, even those already running `image`. */
export function planRollingUpdate(
  c: Changeable,
  image: string,
  ctx: RollingUpdateContext & { force?: boolean },
): Plan | undefined {
  const inConfig = new Set(c.servers);
  const serving = c.service.replicas.filter((r) => inConfig.has(r.number));
  const old = ctx.force ? serving : serving.filter((r) => replicaImage(r) !== image);
  if (old.length === 0 && c.spec.Image === image) return undefined;
  const next: ServiceSpec = { ...c.spec, Image: image };
  const fresh = freeNumbers([...c.service.replicas.map((r) => r.number), ...c.servers], old.length);
  const leaving = new Set(old.map((r) => r.number));
  const final = [...c.servers.filter((n) => !leaving.has(n)), ...fresh].sort((a, b) => a - b);
  const previousImage = previousImageOf(old.map(replicaImage), c.spec.Image, image) ?? c.previousImage;
  const lb = { allow: c.allow };
  return planReplacement(c, { next, fresh, old, final, operation: 'rolling-update', previousImage, lb }, ctx);
}
