/**
 * What a Swarm plan needs from the engine before it is made: a manager, its node, the load
 * balancer's image on it and HAProxy's user, and the replicas' image pinned to a digest.
 */
import type { Core, PullPolicy, RunOptions } from '../../core/backend.js';
import { cannotPull, ensureImage, neverPullError } from '../../core/images.js';
import type { Engine, EngineInfo } from '../../engine/engine.js';
import { digestIn, withDigest } from '../../engine/image-reference.js';
import { UsageError } from '../../errors.js';
import { imageOwner } from '../../lb/processes.js';
import type { ServiceSpec } from '../../spec/types.js';
import type { SwarmPlanContext } from './plans.js';
import type { SwarmContext } from './specs.js';

/** The node svc talks to, which must manage the swarm. */
export function managerContext(tenant: string, info: EngineInfo): SwarmContext {
  if (!info.swarm?.manager) {
    throw new UsageError(
      info.swarm
        ? 'the Docker engine is a swarm worker; the swarm backend needs a manager'
        : 'the Docker engine is not part of a swarm (docker swarm init makes it the manager of one)',
    );
  }
  return { tenant, nodeId: info.swarm.nodeId, engineCpus: info.cpus };
}

/**
 * The load balancer runs on this node, so its image must be here: it is pulled when missing
 * (unless the pull policy is `never`; `always` is for the replicas' image). A service with a
 * certificate mounts it as a file that must belong to the user HAProxy runs as; that is read
 * from the image (a container created and removed at once, ~0.2 s), so only then. `spec` is the
 * service's spec (for update-cert, the one before: httpsTerm has a cert).
 */
export async function lbContext(
  core: Core,
  info: EngineInfo,
  lbImage: string,
  spec: Pick<ServiceSpec, 'SSLCert'>,
  opts: RunOptions,
  created = '',
): Promise<SwarmPlanContext> {
  const ctx = managerContext(core.tenant, info);
  const pull = opts.pull === 'never' ? 'never' : 'missing';
  const present = await ensureImage(core.engine, lbImage, pull, opts);
  const name = `svc-owner-${core.tenant.slice(0, 8)}-${process.pid}-${Date.now()}`;
  // A dry run pulls nothing: a missing image's owner is not known, nor part of the plan's text.
  const owner = () => (present ? imageOwner(core.engine, lbImage, name) : { uid: 0, gid: 0 });
  const lbOwner = spec.SSLCert ? await owner() : undefined;
  return { ...ctx, lbImage, lbOwner, created };
}

/**
 * What the replicas' tasks run: `image` pinned to a digest, so that every task of a release runs
 * the same image whichever node pulls it and whenever (as `docker service create` resolves it).
 * `always` asks the registry (with the engine's login) for the tag's digest now; `missing` and
 * `never` take the digest this node's copy was pulled by, and `missing` asks the registry when
 * this node has none. A copy built here (no digest) runs as the tag. An image the registry
 * refuses or does not have fails here, before anything is created.
 */
export async function pinnedImage(engine: Engine, image: string, pull: PullPolicy): Promise<string> {
  if (pull !== 'always') {
    const local = await engine.inspectImage(image);
    if (local) {
      const digest = digestIn(local.digests ?? [], image);
      return digest ? withDigest(image, digest) : image;
    }
    if (pull === 'never') throw neverPullError(image);
  }
  try {
    return withDigest(image, await engine.registryDigest(image));
  } catch (err) {
    throw cannotPull(image, err);
  }
}
