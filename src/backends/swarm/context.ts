/** What a Swarm plan needs from the engine before it is made: a manager, its node, HAProxy's user. */
import type { Core } from '../../core/backend.js';
import type { EngineInfo } from '../../engine/engine.js';
import { NotFoundError, UsageError } from '../../errors.js';
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
 * A load balancer of a service with a certificate mounts it as a file that must belong to the
 * user HAProxy runs as; that is read from the image (a container created and removed at once,
 * ~0.2 s), so only then. Otherwise the image need only be on this node, where the load balancer
 * runs (`present`: whether it is). `spec` is the service's spec (for update-cert, the one
 * before: httpsTerm has a cert).
 */
export async function lbContext(
  core: Core,
  info: EngineInfo,
  lb: { image: string; present: boolean },
  spec: Pick<ServiceSpec, 'SSLCert'>,
  created = '',
): Promise<SwarmPlanContext> {
  const ctx = managerContext(core.tenant, info);
  if (!lb.present) {
    throw new NotFoundError(
      `load balancer image "${lb.image}" is not on this engine; the load balancer runs on this node (docker pull it, or give --lb-image)`,
    );
  }
  const name = `svc-owner-${core.tenant.slice(0, 8)}-${process.pid}-${Date.now()}`;
  const lbOwner = spec.SSLCert ? await imageOwner(core.engine, lb.image, name) : undefined;
  return { ...ctx, lbImage: lb.image, lbOwner, created };
}
