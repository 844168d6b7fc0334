/**
 * `rm`, as the CLI and the API call it: each service's removal plan (its backend's) runs on its
 * own, so one that fails does not stop the others; then each backend's network goes when nothing
 * of the tenant uses it, and (asked) the named volumes they mounted that no other service mounts.
 */
import type { EngineInfo } from '../engine/engine.js';
import { SvcError, UsageError } from '../errors.js';
import { namedVolumes } from '../model/volumes.js';
import type { Core, RemoveOptions, Snapshot } from './backend.js';
import { execute, knownIds } from './execute.js';
import { desiredSpec, observe } from './observe.js';
import { removeUnusedVolumes } from './volumes.js';

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
      const { plan, kept } = await s.owner.planRemoval(core, s, opts);
      const outcome = await execute({ ...core, timeoutMs: 0 }, plan, ids);
      const error = outcome.notes.length > 0 ? new SvcError(500, outcome.notes.join('; ')) : undefined;
      out.set(name, { kept: kept.map((k) => ({ ...k, service: name })), error });
    }),
  );
  return out;
}

export interface RemoveServicesOptions extends RemoveOptions {
  /** Also remove the named volumes they mount that no other service of the tenant mounts. */
  volumes?: boolean;
  onProgress?: (text: string) => void;
}

/** Remove these services of the tenant (the services at once). */
export async function removeServices(
  core: Core,
  wanted: string[],
  opts: RemoveServicesOptions,
): Promise<RemoveResult> {
  if (opts.keep && opts.volumes)
    throw new UsageError('the replicas cannot be kept running while their volumes are removed');
  const unique = [...new Set(wanted)];
  const snapshot = await observe(core);
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
    const again = await observe(core, snapshot.info);
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
  if (result.removed.length > 0)
    result.networkRemoved = await removeNetworks(core, snapshot.info, result.notes);
  if (opts.volumes) {
    const gone = snapshot.services.filter((s) => result.removed.includes(s.name));
    const mounted = gone.flatMap((s) => namedVolumes(desiredSpec(s)?.Volumes ?? null));
    // A removed service's containers may hold its volumes a while (its backend says how long).
    const patienceMs = Math.max(0, ...gone.map((s) => s.owner.releaseMs));
    result.notes.push(...(await removeUnusedVolumes(core, mounted, patienceMs)));
  }
  return result;
}

/** Each backend's network, when nothing of the tenant uses it (in turn); whether one went. */
async function removeNetworks(core: Core, info: EngineInfo, notes: string[]): Promise<boolean> {
  let removed = false;
  for (const backend of core.backends) {
    if (await backend.removeNetworkIfUnused(core, info, notes)) removed = true;
  }
  return removed;
}
