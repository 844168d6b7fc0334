/**
 * A tenant's Swarm services read back (pure): each svc service's two Swarm services and their
 * tasks, shaped as every backend's services are, so that status, the Service JSON, ls and
 * inspect are the same code for both backends. A replica is a task the swarm wants running (its
 * slot is the replica number); the desired state is the replicas service's own labels (a Swarm
 * service spec can change; its version is the lock); an update under way is `updating`.
 */
import type { Backend, ObservedReplica, ObservedService, ObserveEnv } from '../../core/backend.js';
import { emptyService } from '../../core/observe.js';
import { readRecord } from '../../core/records.js';
import type { ContainerSummary } from '../../engine/engine.js';
import type { SwarmNode, SwarmService, SwarmTask } from '../../engine/swarm.js';
import { LABEL, labelFilter } from '../../model/naming.js';
import { specHash } from '../../model/spec-hash.js';
import { swarmNames } from './names.js';
import { containerState, currentTasks, taskImage } from './tasks.js';

/** What only the Swarm backend reads of a service: its two Swarm services and their tasks. */
export interface SwarmParts {
  replicas: SwarmService | undefined;
  lb: SwarmService | undefined;
  /** Tasks of both, every state the swarm keeps. */
  tasks: SwarmTask[];
}

export type SwarmObserved = ObservedService<SwarmParts>;

function replicaOf(
  s: SwarmService,
  t: SwarmTask,
  hosts: Map<string, string>,
  desired?: string,
): ObservedReplica {
  const image = taskImage(t);
  return {
    id: t.containerId || t.id,
    name: `${s.name}.${t.slot}`,
    image,
    state: containerState(t),
    labels: { ...s.labels, [LABEL.replica]: String(t.slot), [LABEL.image]: image },
    created: Math.floor(Date.parse(t.updated) / 1000) || 0,
    addresses: {},
    ports: [],
    number: t.slot,
    outdated: desired !== undefined && t.labels[LABEL.specHash] !== desired,
    node: hosts.get(t.nodeId) ?? '',
  };
}

function lbOf(tenant: string, s: SwarmService, tasks: SwarmTask[]): ContainerSummary {
  const [t] = currentTasks(tasks, s.id);
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
    addresses: ip ? { [swarmNames.network(tenant)]: ip } : {},
    ports: s.ports.map((p) => `0.0.0.0:${p.published}->${p.target}/tcp`),
  };
}

/** The replicas service: its tasks are the replicas, its labels the desired state. */
function readReplicas(s: SwarmObserved, svc: SwarmService, hosts: Map<string, string>): void {
  s.parts.replicas = svc;
  const record = readRecord({ id: svc.id, name: svc.name, labels: svc.labels, created: svc.created });
  const desired = record.spec ? specHash(record.spec) : undefined;
  s.replicas = currentTasks(s.parts.tasks, svc.id).map((t) => replicaOf(svc, t, hosts, desired));
  // Every task is in the load balancer (server-template): the config lists what runs.
  record.servers = s.replicas.map((r) => r.number);
  s.records = [record];
  s.current = record;
  if (svc.updateState === 'updating' || svc.updateState === 'rollback_started')
    s.operation = 'rolling-update';
}

/** The load balancer service: where it runs on this engine, its address. */
function readLb(s: SwarmObserved, svc: SwarmService): void {
  s.parts.lb = svc;
  s.lb = lbOf(s.tenant, svc, s.parts.tasks);
  s.ip = s.lb.addresses[swarmNames.network(s.tenant)] ?? '';
  s.lbContainer = s.parts.tasks.find(
    (t) => t.serviceId === svc.id && t.state === 'running' && t.containerId,
  )?.containerId;
}

/** The tenant's Swarm services, as observed services (sorted by name). Pure. */
export function readSwarm(
  backend: Backend<SwarmParts>,
  tenant: string,
  services: SwarmService[],
  tasks: SwarmTask[],
  nodes: SwarmNode[],
): SwarmObserved[] {
  const hosts = new Map(nodes.map((n) => [n.id, n.hostname]));
  const byName = new Map<string, SwarmObserved>();
  for (const svc of services) {
    const name = svc.labels[LABEL.service];
    if (!name || svc.labels[LABEL.tenant] !== tenant) continue;
    let s = byName.get(name);
    if (!s) {
      s = emptyService(name, tenant, backend, { replicas: undefined, lb: undefined, tasks });
      s.numberedServers = false;
      byName.set(name, s);
    }
    if (svc.labels[LABEL.role] === 'lb') readLb(s, svc);
    else readReplicas(s, svc, hosts);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The tenant's Swarm services (none when the engine is in no swarm, or is not a manager). */
export async function observeSwarm(backend: Backend<SwarmParts>, env: ObserveEnv): Promise<SwarmObserved[]> {
  if (!(await env.info()).swarm?.manager) return [];
  const { swarm } = env.engine;
  const services = await swarm.listServices(labelFilter(env.tenant, env.service));
  if (services.length === 0) return [];
  const [tasks, nodes] = await Promise.all([swarm.listTasks(services.map((s) => s.id)), swarm.listNodes()]);
  return readSwarm(backend, env.tenant, services, tasks, nodes);
}
