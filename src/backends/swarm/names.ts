/** The Swarm backend's name, and the names of the Swarm objects it makes for a service. */
import type { Labels } from '../../engine/engine.js';
import { LABEL, serviceLabels } from '../../model/naming.js';

/** The backend's name, written on its objects' {@link LABEL.backend}. */
export const SWARM = 'swarm';

const short = (tenant: string) => tenant.slice(0, 8);

export const swarmNames = {
  /** The tenant's attachable overlay network. */
  network: (tenant: string) => `svc-${tenant}-swarm`,
  /** The service whose tasks are the replicas (its tasks answer at `tasks.<this>`). */
  replicas: (tenant: string, service: string) => `${service}-${short(tenant)}`,
  /** A config or secret of the load balancer, `what` naming its content and revision. */
  object: (tenant: string, service: string, what: string, revision: number) =>
    `${service}-lb-${short(tenant)}-${what}-r${revision}`,
};

/** Labels of a service's Swarm objects. */
export function swarmLabels(service: string, tenant: string, role: 'lb' | 'replica'): Labels {
  return { ...serviceLabels(tenant, service, role), [LABEL.backend]: SWARM };
}
