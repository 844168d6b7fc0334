/**
 * `svc rm [--keep] NAME…`: remove every object labelled with the service, in an order that keeps
 * it visible (and removable again) if interrupted: the load balancer first (no new traffic;
 * stopped with its stop signal, so in-flight requests finish), then the replicas (stopped
 * gracefully), then anything else of it, and its records last. Then the tenant network, when no
 * object of the tenant is left. `--keep` leaves the replicas running and lets go of them (see
 * labels.ts keptName). `planRemoval` is pure.
 */
import type { ContainerSummary, Engine } from '../engine/engine.js';
import { SvcError } from '../errors.js';
import { isKept, keptName, LABEL, labelFilter, names, usesTenantNetwork } from './labels.js';

export interface RemovalPlan {
  name: string;
  /** Each group is removed after the one before it (one group's containers at once). */
  lb: ContainerSummary[];
  replicas: ContainerSummary[];
  /** Objects of the service with another (or no) role: removed with the replicas. */
  others: ContainerSummary[];
  records: ContainerSummary[];
}

/** What to remove for each wanted name (in the order asked, each once), and which names have nothing. */
export function planRemoval(
  tenant: string,
  containers: ContainerSummary[],
  wanted: string[],
): { plans: RemovalPlan[]; missing: string[] } {
  const plans: RemovalPlan[] = [];
  const missing: string[] = [];
  for (const name of new Set(wanted)) {
    const mine = containers.filter(
      (c) => c.labels[LABEL.tenant] === tenant && c.labels[LABEL.service] === name && !isKept(c),
    );
    if (mine.length === 0) {
      missing.push(name);
      continue;
    }
    const role = (c: ContainerSummary) => c.labels[LABEL.role];
    plans.push({
      name,
      lb: mine.filter((c) => role(c) === 'lb'),
      replicas: mine.filter((c) => role(c) === 'replica'),
      others: mine.filter((c) => !['lb', 'replica', 'record'].includes(role(c) ?? '')),
      records: mine.filter((c) => role(c) === 'record'),
    });
  }
  return { plans, missing };
}

export interface RemoveOptions {
  /** Leave the replicas running, no longer part of the service. */
  keep: boolean;
  /** How long containers get to stop (their stop signal, then SIGKILL). */
  graceSeconds: number;
  onProgress?: (text: string) => void;
}

export interface KeptReplica {
  service: string;
  id: string;
  /** Its name now (the replica's name was freed for a new service of the same name). */
  name: string;
}

export interface RemoveResult {
  /** Services removed, in the order asked. */
  removed: string[];
  /** Names with no object in the tenant. */
  missing: string[];
  /** Services whose removal failed half-way (run `svc rm` again), with the error. */
  failed: Array<{ name: string; error: SvcError }>;
  /** With --keep: the replicas left running. */
  kept: KeptReplica[];
  /** The tenant network was removed (nothing of the tenant is left). */
  networkRemoved: boolean;
  notes: string[];
}

async function stopAndRemove(
  engine: Engine,
  containers: ContainerSummary[],
  graceSeconds: number,
): Promise<void> {
  await Promise.all(
    containers.map(async (c) => {
      if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') {
        // A stop that fails (e.g. the engine times out) is no reason not to remove.
        await engine.stopContainer(c.id, graceSeconds).catch(() => undefined);
      }
      await engine.removeContainer(c.id);
    }),
  );
}

async function removeOne(engine: Engine, plan: RemovalPlan, opts: RemoveOptions): Promise<KeptReplica[]> {
  const progress = opts.onProgress ?? (() => undefined);
  progress(`${plan.name}: removing the load balancer`);
  await stopAndRemove(engine, plan.lb, opts.graceSeconds);
  const kept: KeptReplica[] = [];
  if (opts.keep) {
    progress(`${plan.name}: letting go of ${plan.replicas.length} replicas`);
    for (const r of plan.replicas) {
      const name = keptName(r.name, r.id);
      // Off the tenant network while renamed, or its DNS would go on answering the old name.
      await engine.renameContainer(r.id, name, names.network(r.labels[LABEL.tenant] ?? ''));
      kept.push({ service: plan.name, id: r.id, name });
    }
    await stopAndRemove(engine, plan.others, opts.graceSeconds);
  } else {
    progress(`${plan.name}: stopping ${plan.replicas.length} replicas`);
    await stopAndRemove(engine, [...plan.replicas, ...plan.others], opts.graceSeconds);
  }
  progress(`${plan.name}: removing its records`);
  await stopAndRemove(engine, plan.records, 0);
  return kept;
}

/** Remove these services of the tenant (one list call to find them; the services at once). */
export async function removeServices(
  engine: Engine,
  tenant: string,
  wanted: string[],
  opts: RemoveOptions,
): Promise<RemoveResult> {
  const { plans, missing } = planRemoval(tenant, await engine.listContainers(labelFilter(tenant)), wanted);
  const result: RemoveResult = {
    removed: [],
    missing,
    failed: [],
    kept: [],
    networkRemoved: false,
    notes: [],
  };
  const outcomes = await Promise.allSettled(plans.map((p) => removeOne(engine, p, opts)));
  outcomes.forEach((o, i) => {
    const name = (plans[i] as RemovalPlan).name;
    if (o.status === 'fulfilled') {
      result.removed.push(name);
      result.kept.push(...o.value);
    } else {
      result.failed.push({ name, error: asSvcError(o.reason) });
    }
  });
  if (result.removed.length === 0) return result;
  // A svc killed half-way may have left requests in the engine that create objects after the
  // list above: look again, a few times, until none of the removed services is left.
  for (let pass = 0; pass < 3; pass++) {
    const again = planRemoval(tenant, await engine.listContainers(labelFilter(tenant)), result.removed).plans;
    if (again.length === 0) break;
    const late = await Promise.allSettled(again.map((p) => removeOne(engine, p, opts)));
    for (const [i, o] of late.entries()) {
      if (o.status === 'fulfilled') result.kept.push(...o.value);
      else {
        const name = (again[i] as RemovalPlan).name;
        result.removed = result.removed.filter((n) => n !== name);
        result.failed.push({ name, error: asSvcError(o.reason) });
      }
    }
  }
  result.networkRemoved = await removeNetworkIfUnused(engine, tenant, result.notes);
  return result;
}

function asSvcError(err: unknown): SvcError {
  return err instanceof SvcError ? err : new SvcError(500, err instanceof Error ? err.message : String(err));
}

/** The tenant network goes when no object of the tenant is left (kept replicas still use it). */
async function removeNetworkIfUnused(engine: Engine, tenant: string, notes: string[]): Promise<boolean> {
  const left = (await engine.listContainers(labelFilter(tenant))).filter((c) => usesTenantNetwork(c.labels));
  if (left.length > 0) return false;
  const network = names.network(tenant);
  try {
    await engine.removeNetwork(network);
    return true;
  } catch (err) {
    // E.g. a container svc does not manage was connected to it by hand.
    notes.push(`kept the tenant network ${network}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
