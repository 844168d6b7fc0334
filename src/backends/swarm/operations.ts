/** What the Swarm backend reads from the engine around a removal: the objects to remove, the network. */
import type { Core } from '../../core/backend.js';
import type { Plan } from '../../core/steps.js';
import type { EngineInfo } from '../../engine/engine.js';
import { UsageError } from '../../errors.js';
import { LABEL, labelFilter } from '../../model/naming.js';
import { SWARM, swarmNames } from './names.js';
import type { SwarmObserved } from './observe.js';
import { planSwarmRemoval } from './plans.js';
import { sleep } from './waits.js';

/** Both services, then the load balancer's configs and secrets (never undone); no replica is kept. */
export async function planRemoval(
  core: Core,
  s: SwarmObserved,
  keep: boolean,
): Promise<{ plan: Plan; kept: Array<{ id: string; name: string }> }> {
  if (keep)
    throw new UsageError(`service "${s.name}" runs on Swarm, where its replicas cannot be kept without it`);
  const filter = [...labelFilter(core.tenant, s.name), `${LABEL.backend}=${SWARM}`];
  const [configs, secrets] = await Promise.all([
    core.engine.swarm.listConfigs(filter),
    core.engine.swarm.listSecrets(filter),
  ]);
  const objects = [
    ...configs.map((c) => ({ kind: 'config' as const, name: c.name })),
    ...secrets.map((c) => ({ kind: 'secret' as const, name: c.name })),
  ];
  return { plan: planSwarmRemoval(s.parts, objects), kept: [] };
}

/** The tenant's overlay network goes with its last Swarm service (tasks may take a moment to leave it). */
export async function removeNetworkIfUnused(core: Core, info: EngineInfo): Promise<boolean> {
  if (!info.swarm?.manager || (await core.engine.swarm.listServices(labelFilter(core.tenant))).length > 0)
    return false;
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      await core.engine.removeNetwork(swarmNames.network(core.tenant));
      return true;
    } catch {
      await sleep(500);
    }
  }
  return false;
}
