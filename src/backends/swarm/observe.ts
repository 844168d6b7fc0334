/**
 * A tenant's Swarm services read back (pure): each svc service's two Swarm services and their
 * tasks, shaped as every backend's services are, so that status, the Service JSON, ls and
 * inspect are the same code for both backends. A replica is a task the swarm wants running (its
 * slot is the replica number); the desired state is the replicas service's own labels (a Swarm
 * service spec can change; its version is the lock); an update under way is `updating`. Its
 * configs and secrets are read too: what a killed create or rm left of a service (configs alone,
 * or one of its two Swarm services) is a service whose create was interrupted, once the command
 * that made them is gone; a rolling update Swarm still runs for a killed svc is interrupted too.
 */
import type { Backend, ObservedReplica, ObservedService, ObserveEnv } from '../../core/backend.js';
import { emptyService } from '../../core/observe.js';
import { ownerMayRun, readRecord } from '../../core/records.js';
import type { ContainerSummary } from '../../engine/engine.js';
import type { SwarmNode, SwarmObject, SwarmService, SwarmTask } from '../../engine/swarm.js';
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
  /** Its load balancer's configs and secrets (those of every revision still there). */
  objects: SwarmObjectOf[];
}

/** A config or secret of a service, and which of the two it is. */
export interface SwarmObjectOf extends SwarmObject {
  kind: 'config' | 'secret';
}

/** Who may still be running the operation written on `labels` (`written`: when, Unix seconds). */
export function mayRun(labels: Record<string, string>, written: number): boolean {
  return ownerMayRun({ owner: labels[LABEL.operationOwner], written });
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
  if (svc.updateState !== 'updating' && svc.updateState !== 'rollback_started') return;
  // Swarm runs the update on its own: a killed svc's is finished (or rolled back) by Swarm, and
  // the next change waits for it (repair.ts) instead of being refused.
  const owned = svc.labels[LABEL.operation] === 'rolling-update' && svc.labels[LABEL.operationOwner];
  const written = Math.floor(Date.parse(svc.updated) / 1000) || 0;
  if (owned && !mayRun(svc.labels, written)) s.interrupted = { operation: 'rolling-update' };
  else s.operation = 'rolling-update';
}

/**
 * A service missing one of its Swarm services (or with only configs left): its create runs, or
 * was interrupted (a killed rm leaves the same, and either way the next create or rm clears it).
 */
function judgeIncomplete(s: SwarmObserved): void {
  if (s.parts.replicas && s.parts.lb) return;
  const made = s.parts.objects.filter((o) => o.labels[LABEL.operation] === 'create');
  if (made.some((o) => mayRun(o.labels, o.created))) s.operation = 'create';
  else s.interrupted = { operation: 'create' };
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
  objects: SwarmObjectOf[] = [],
): SwarmObserved[] {
  const hosts = new Map(nodes.map((n) => [n.id, n.hostname]));
  const byName = new Map<string, SwarmObserved>();
  const named = (labels: Record<string, string>) => {
    const name = labels[LABEL.service];
    if (!name || labels[LABEL.tenant] !== tenant) return undefined;
    let s = byName.get(name);
    if (!s) {
      s = emptyService(name, tenant, backend, { replicas: undefined, lb: undefined, tasks, objects: [] });
      s.numberedServers = false;
      byName.set(name, s);
    }
    return s;
  };
  for (const o of objects) named(o.labels)?.parts.objects.push(o);
  for (const svc of services) {
    const s = named(svc.labels);
    if (!s) continue;
    if (svc.labels[LABEL.role] === 'lb') readLb(s, svc);
    else readReplicas(s, svc, hosts);
  }
  for (const s of byName.values()) judgeIncomplete(s);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The tenant's Swarm services (none when the engine is in no swarm, or is not a manager). */
export async function observeSwarm(backend: Backend<SwarmParts>, env: ObserveEnv): Promise<SwarmObserved[]> {
  if (!(await env.info()).swarm?.manager) return [];
  const { swarm } = env.engine;
  const filter = labelFilter(env.tenant, env.service);
  const [services, configs, secrets] = await Promise.all([
    swarm.listServices(filter),
    swarm.listConfigs(filter),
    swarm.listSecrets(filter),
  ]);
  const objects = [
    ...configs.map((o) => ({ ...o, kind: 'config' as const })),
    ...secrets.map((o) => ({ ...o, kind: 'secret' as const })),
  ];
  if (services.length + objects.length === 0) return [];
  const [tasks, nodes] = await Promise.all([
    services.length > 0 ? swarm.listTasks(services.map((s) => s.id)) : [],
    swarm.listNodes(),
  ]);
  return readSwarm(backend, env.tenant, services, tasks, nodes, objects);
}
