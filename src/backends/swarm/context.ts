/** What a Swarm plan needs from the engine before it is made: the node, its CPUs, HAProxy's user. */
import type { Engine } from '../../engine/engine.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { imageOwner } from '../../lb/processes.js';
import type { ServiceSpec } from '../../spec/types.js';
import type { SwarmPlanContext } from './plans.js';

/**
 * A load balancer of a service with a certificate mounts it as a file that must belong to the
 * user HAProxy runs as; that is read from the image (a container created and removed at once,
 * ~0.2 s), so only then. Otherwise the image need only be on this node, where the load balancer
 * runs. `spec` is the service's spec (for update-cert, the one before: httpsTerm has a cert).
 */
export async function swarmContext(
  engine: Engine,
  tenant: string,
  lbImage: string,
  spec: Pick<ServiceSpec, 'SSLCert'>,
  created = '',
): Promise<SwarmPlanContext> {
  const [swarm, info, present] = await Promise.all([
    engine.swarm.swarmInfo(),
    engine.info(),
    engine.imageExists(lbImage),
  ]);
  if (!swarm?.manager) {
    throw new UsageError(
      swarm
        ? 'the Docker engine is a swarm worker; the swarm backend needs a manager'
        : 'the Docker engine is not part of a swarm (docker swarm init makes it the manager of one)',
    );
  }
  if (!present) {
    throw new NotFoundError(
      `load balancer image "${lbImage}" is not on this engine; the load balancer runs on this node (docker pull it, or give --lb-image)`,
    );
  }
  const lbOwner = spec.SSLCert
    ? await imageOwner(engine, lbImage, `svc-owner-${tenant.slice(0, 8)}-${process.pid}-${Date.now()}`)
    : undefined;
  return {
    tenant,
    nodeId: swarm.nodeId,
    engineCpus: info.cpus,
    lbImage,
    lbOwner,
    created,
  };
}
