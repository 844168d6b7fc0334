/**
 * `rm`, as the CLI and the API call it: each service's removal plan (plan/remove.ts) runs on its
 * own, so one that fails does not stop the others; then the tenant network goes when nothing of
 * the tenant uses it.
 */

import { keptReplicas, planRemoval, type RemoveOptions } from '../backends/local/plan/remove.js';
import { planSwarmRemoval } from '../backends/swarm/plans.js';
import { SvcError, UsageError } from '../errors.js';
import { LABEL, labelFilter, names, usesTenantNetwork } from '../model/naming.js';
import { execute } from './execute.js';
import { type ObservedService, observe, type Snapshot } from './observe.js';
import { type Core, knownIds } from './services.js';

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
  /** Services whose removal failed half-way (removing them again finishes it), with the error. */
  failed: Array<{ name: string; error: SvcError }>;
  /** With keep: the replicas left running. */
  kept: KeptReplica[];
  /** The tenant network was removed (nothing of the tenant is left). */
  networkRemoved: boolean;
  notes: string[];
}

async function removeFrom(
  core: Core,
  snapshot: Snapshot,
  wanted: string[],
  opts: RemoveOptions & { onProgress?: (text: string) => void },
): Promise<Map<string, { kept: KeptReplica[]; error?: SvcError }>> {
  const out = new Map<string, { kept: KeptReplica[]; error?: SvcError }>();
  const ids = knownIds(snapshot);
  await Promise.all(
    wanted.map(async (name) => {
      const s = snapshot.services.find((x) => x.name === name);
      if (!s) return;
      opts.onProgress?.(`removing ${name}`);
      if (s.backend === 'swarm' && opts.keep)
        throw new UsageError(`service "${name}" runs on Swarm, where its replicas cannot be kept without it`);
      const kept = opts.keep ? keptReplicas(s).map((k) => ({ ...k, service: name })) : [];
      const plan = s.backend === 'swarm' ? await swarmRemoval(core, s) : planRemoval(s, opts);
      const outcome = await execute({ ...core, timeoutMs: 0 }, plan, ids);
      const error = outcome.notes.length > 0 ? new SvcError(500, outcome.notes.join('; ')) : undefined;
      out.set(name, { kept, error });
    }),
  );
  return out;
}

/** Remove these services of the tenant (the services at once). */
export async function removeServices(
  core: Core,
  wanted: string[],
  opts: RemoveOptions & { onProgress?: (text: string) => void },
): Promise<RemoveResult> {
  const unique = [...new Set(wanted)];
  const snapshot = await observe(core.engine, core.tenant);
  const present = new Set(snapshot.services.map((s) => s.name));
  const result: RemoveResult = {
    removed: [],
    missing: unique.filter((n) => !present.has(n)),
    failed: [],
    kept: [],
    networkRemoved: false,
    notes: [],
  };
  const outcomes = await removeFrom(core, snapshot, unique, opts);
  // A command killed half-way may have left requests in the engine that create objects after
  // the list above: look again, a few times, until none of the removed services is left.
  for (let pass = 0; pass < 3; pass++) {
    const again = await observe(core.engine, core.tenant);
    const late = unique.filter((n) => outcomes.has(n) && again.services.some((s) => s.name === n));
    if (late.length === 0) break;
    for (const [name, o] of await removeFrom(core, again, late, { ...opts, keep: false })) {
      const first = outcomes.get(name);
      outcomes.set(name, { kept: first?.kept ?? [], error: o.error });
    }
  }
  for (const name of unique) {
    const o = outcomes.get(name);
    if (!o) continue;
    if (o.error) result.failed.push({ name, error: o.error });
    else {
      result.removed.push(name);
      result.kept.push(...o.kept);
    }
  }
  if (result.removed.length > 0) {
    result.networkRemoved = await removeNetworkIfUnused(core, result.notes);
    await removeSwarmNetworkIfUnused(core);
  }
  return result;
}

/** A Swarm service's removal: both services, then its configs and secrets. */
async function swarmRemoval(core: Core, s: ObservedService) {
  const filter = [...labelFilter(core.tenant, s.name), `${LABEL.backend}=swarm`];
  const [configs, secrets] = await Promise.all([
    core.engine.swarm.listConfigs(filter),
    core.engine.swarm.listSecrets(filter),
  ]);
  return planSwarmRemoval(s, [
    ...configs.map((c) => ({ kind: 'config' as const, name: c.name })),
    ...secrets.map((c) => ({ kind: 'secret' as const, name: c.name })),
  ]);
}

/** The tenant's overlay network goes with its last Swarm service (tasks may take a moment to leave it). */
async function removeSwarmNetworkIfUnused(core: Core): Promise<void> {
  const info = await core.engine.swarm.swarmInfo();
  if (!info?.manager || (await core.engine.swarm.listServices(labelFilter(core.tenant))).length > 0) return;
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      await core.engine.removeNetwork(names.swarmNetwork(core.tenant));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The tenant network goes when no object of the tenant that joins it is left (kept replicas do). */
async function removeNetworkIfUnused(core: Core, notes: string[]): Promise<boolean> {
  const left = (await core.engine.listContainers(labelFilter(core.tenant))).filter((c) =>
    usesTenantNetwork(c.labels),
  );
  if (left.length > 0) return false;
  const network = names.network(core.tenant);
  try {
    await core.engine.removeNetwork(network);
    return true;
  } catch (err) {
    // E.g. a container svc does not manage was connected to it by hand.
    notes.push(`kept the tenant network ${network}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
