/** What a Swarm plan needs from the engine before it is made: the node, its CPUs, HAProxy's user. */
import type { Engine } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import { imageOwner } from '../lb/processes.js';
import type { SwarmPlanContext } from './plans.js';

export async function swarmContext(
  engine: Engine,
  tenant: string,
  lbImage: string,
  created = '',
): Promise<SwarmPlanContext> {
  const [swarm, info] = await Promise.all([engine.swarm.swarmInfo(), engine.info()]);
  if (!swarm?.manager) {
    throw new UsageError(
      swarm
        ? 'the Docker engine is a swarm worker; the swarm backend needs a manager'
        : 'the Docker engine is not part of a swarm (docker swarm init makes it the manager of one)',
    );
  }
  const lbOwner = await imageOwner(
    engine,
    lbImage,
    `svc-owner-${tenant.slice(0, 8)}-${process.pid}-${Date.now()}`,
  );
  return { tenant, nodeId: swarm.nodeId, engineCpus: info.cpus, lbImage, lbOwner, created };
}
