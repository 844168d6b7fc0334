/**
 * A tenant's Swarm services read back (pure): each svc service's two Swarm services and their
 * tasks, shaped as the core observes a local service, so that status, the Service JSON, ls and
 * inspect are the same code for both backends. A replica is a task the swarm wants running (its
 * slot is the replica number); the desired state is the replicas service's own labels (a Swarm
 * service spec can change; its version is the lock); an update under way is `updating`.
 */

import { emptyService, type ObservedReplica, type ObservedService } from '../../core/observe.js';
import { readRecord } from '../../core/records.js';
import type { ContainerState, ContainerSummary } from '../../engine/engine.js';
import type { SwarmEngine, SwarmNode, SwarmService, SwarmTask } from '../../engine/swarm.js';
import { LABEL, labelFilter, names, parseNumbers } from '../../model/naming.js';

/** A task's state as a container's (what status and inspect read). */
export function containerState(t: SwarmTask | undefined): ContainerState {
  switch (t?.state) {
    case 'running':
      return 'running';
    case 'new':
    case 'pending':
    case 'assigned':
    case 'accepted':
    case 'preparing':
    case 'starting':
      return 'created';
    case 'failed':
    case 'rejected':
    case 'orphaned':
      return 'dead';
    default:
      return 'exited';
  }
}

/** The task of each slot the swarm wants running (the newest when there are several). */
function currentTasks(service: SwarmService, tasks: SwarmTask[]): SwarmTask[] {
  const bySlot = new Map<number, SwarmTask>();
  for (const t of tasks) {
    if (t.serviceId !== service.id || t.desiredState !== 'running') continue;
    const had = bySlot.get(t.slot);
    if (!had || t.updated > had.updated) bySlot.set(t.slot, t);
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}

function replicaOf(s: SwarmService, t: SwarmTask): ObservedReplica {
  return {
    id: t.containerId || t.id,
    name: `${s.name}.${t.slot}`,
    image: t.image,
    state: containerState(t),
    labels: { ...s.labels, [LABEL.replica]: String(t.slot), [LABEL.image]: t.image },
    created: Math.floor(Date.parse(t.updated) / 1000) || 0,
    addresses: {},
    ports: [],
    number: t.slot,
    specHash: '',
  };
}

function lbOf(tenant: string, s: SwarmService, tasks: SwarmTask[]): ContainerSummary {
  const [t] = currentTasks(s, tasks);
  const [ip] = Object.values(s.virtualIps);
  return {
    id: s.id,
    name: s.name,
    image: String(
      (s.spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec?.Image ?? '',
    ),
    state: containerState(t),
    labels: s.labels,
    created: s.created,
    addresses: ip ? { [names.swarmNetwork(tenant)]: ip } : {},
    ports: s.ports.map((p) => `0.0.0.0:${p.published}->${p.target}/tcp`),
  };
}

/** The tenant's Swarm services, as observed services (sorted by name). Pure. */
export function readSwarm(
  tenant: string,
  services: SwarmService[],
  tasks: SwarmTask[],
  nodes: SwarmNode[],
): ObservedService[] {
  const byName = new Map<string, ObservedService>();
  for (const svc of services) {
    const name = svc.labels[LABEL.service];
    if (!name || svc.labels[LABEL.tenant] !== tenant) continue;
    let s = byName.get(name);
    if (!s) {
      s = {
        ...emptyService(name, tenant, 'swarm'),
        swarm: { replicas: undefined, lb: undefined, tasks, nodes },
      };
      byName.set(name, s);
    }
    const parts = s.swarm as NonNullable<ObservedService['swarm']>;
    if (svc.labels[LABEL.role] === 'lb') {
      parts.lb = svc;
      s.lb = lbOf(tenant, svc, tasks);
    } else {
      parts.replicas = svc;
      s.replicas = currentTasks(svc, tasks).map((t) => replicaOf(svc, t));
      const summary = {
        id: svc.id,
        name: svc.name,
        image: '',
        state: 'created' as const,
        labels: svc.labels,
        created: svc.created,
        addresses: {},
        ports: [],
      };
      const record = readRecord(summary);
      // Every task is in the load balancer (server-template): the config lists what runs.
      record.servers = parseNumbers(s.replicas.map((r) => r.number).join(',')) ?? [];
      s.records = [record];
      s.current = record;
      if (svc.updateState === 'updating' || svc.updateState === 'rollback_started')
        s.operation = 'rolling-update';
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The tenant's Swarm services (none when the engine is in no swarm, or is not a manager). */
export async function observeSwarm(swarm: SwarmEngine, tenant: string): Promise<ObservedService[]> {
  const info = await swarm.swarmInfo();
  if (!info?.manager) return [];
  const services = await swarm.listServices(labelFilter(tenant));
  if (services.length === 0) return [];
  const [tasks, nodes] = await Promise.all([swarm.listTasks(services.map((s) => s.id)), swarm.listNodes()]);
  return readSwarm(tenant, services, tasks, nodes);
}
