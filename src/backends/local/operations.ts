/** What the local backend reads from the engine around its plans: images, and the network after a removal. */
import type { Core, CreateOptions, PlannedCreate } from '../../core/backend.js';
import { observe } from '../../core/observe.js';
import { labelFilter, names, usesTenantNetwork } from '../../model/naming.js';
import type { ServiceSpec } from '../../spec/types.js';
import { planCreate, replicaNumbers } from './plan/create.js';

/** Create: the snapshot, and which images are missing, read at once; the wait for every replica UP. */
export async function planLocalCreate(
  core: Core,
  spec: ServiceSpec,
  opts: CreateOptions,
  created: string,
): Promise<PlannedCreate> {
  const { engine, tenant } = core;
  opts.onProgress?.('reading the engine');
  const images = [spec.Image, opts.lbImage];
  const [snapshot, ...present] = await Promise.all([
    observe(core),
    ...images.map((image) => engine.imageExists(image)),
  ]);
  const missingImages = images.filter((_, i) => !present[i]);
  const plan = planCreate(
    spec,
    {
      tenant,
      lbImage: opts.lbImage,
      pull: opts.pull ?? 'missing',
      engineCpus: snapshot.info.cpus,
      created,
      missingImages,
    },
    snapshot,
  );
  const lb = names.lb(tenant, spec.Name);
  return {
    snapshot,
    plan,
    wait: {
      phases: [[{ op: 'lb-wait', lb, up: replicaNumbers(spec.Replicas), startedHere: true }]],
      cleanup: [],
      notes: [],
    },
  };
}

/** The tenant network goes when no object of the tenant that joins it is left (kept replicas do). */
export async function removeNetworkIfUnused(core: Core, notes: string[]): Promise<boolean> {
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
