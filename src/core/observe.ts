/**
 * Observing a tenant: one list call returns every container of the tenant, and its services and
 * security groups are read back from their labels. `readSnapshot` is pure.
 */

import { observeSwarm } from '../backends/swarm/observe.js';
import type { ContainerSummary, Engine } from '../engine/engine.js';
import type { SwarmNode, SwarmService, SwarmTask } from '../engine/swarm.js';
import { NotFoundError } from '../errors.js';
import { type Backend, isKept, LABEL, labelFilter, names, replicaNumberOf } from '../model/naming.js';
import type { SecurityGroup } from '../model/security-group.js';
import type { ServiceSpec } from '../spec/types.js';
import { type ObservedRecord, type Operation, ownerMayRun, readRecord } from './records.js';

export interface ObservedReplica extends ContainerSummary {
  number: number;
  specHash: string;
}

/** A Swarm service's objects, as observed (src/swarm/observe.ts). */
export interface SwarmParts {
  replicas: SwarmService | undefined;
  lb: SwarmService | undefined;
  /** Tasks of both, every state the swarm keeps. */
  tasks: SwarmTask[];
  nodes: SwarmNode[];
}

export interface ObservedService {
  name: string;
  tenant: string;
  /** Where it runs: containers on this engine, or services of the swarm it manages. */
  backend: Backend;
  /** Its Swarm objects (swarm backend only). */
  swarm?: SwarmParts;
  /** Its load balancer (the container of that name with role lb). */
  lb: ContainerSummary | undefined;
  /** By replica number. */
  replicas: ObservedReplica[];
  /** By revision, oldest first. */
  records: ObservedRecord[];
  /** Anything else labelled with the service (e.g. a load balancer set aside by attach-fip). */
  others: ContainerSummary[];
  /** The record holding the desired state (undefined for a half-created service). */
  current: ObservedRecord | undefined;
  /** An operation under way: its command may still run (the current record is its target). */
  operation: Operation | undefined;
  /** An operation whose command ended before it finished (the current record is the one before). */
  interrupted: { operation: Operation; record: ObservedRecord } | undefined;
}

export interface StoredGroup {
  group: SecurityGroup;
  revision: number;
  created: string;
  /** Every stored revision, oldest first. */
  records: Array<{ id: string; name: string; revision: number }>;
}

export interface Snapshot {
  tenant: string;
  /** By name. */
  services: ObservedService[];
  /** By name. */
  groups: StoredGroup[];
}

/** The service's desired spec (its current record's); undefined for a half-created service. */
export function desiredSpec(s: ObservedService): ServiceSpec | undefined {
  return s.current?.spec;
}

/** The replica numbers the load balancer's config lists (its record's; else the replicas there are). */
export function configServers(s: ObservedService): number[] {
  return s.current?.servers ?? s.replicas.map((r) => r.number);
}

/** Which record is the desired state, and whether an operation runs or was interrupted. */
function judgeRecords(s: ObservedService, now: number, alive?: (pid: number) => boolean): void {
  const latest = s.records.at(-1);
  s.current = latest;
  if (!latest?.operation) return;
  if (ownerMayRun(latest, now, alive)) {
    s.operation = latest.operation;
    return;
  }
  s.interrupted = { operation: latest.operation, record: latest };
  s.current = [...s.records].reverse().find((r) => !r.operation) ?? latest;
}

function groupOf(c: ContainerSummary): SecurityGroup | undefined {
  try {
    return JSON.parse(c.labels[LABEL.securityGroupSpec] ?? '') as SecurityGroup;
  } catch {
    return undefined;
  }
}

function readGroups(containers: ContainerSummary[]): StoredGroup[] {
  const byName = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const n = c.labels[LABEL.securityGroup];
    if (n) byName.set(n, [...(byName.get(n) ?? []), c]);
  }
  const out: StoredGroup[] = [];
  for (const cs of byName.values()) {
    const rev = (c: ContainerSummary) => Number(c.labels[LABEL.revision]);
    cs.sort((a, b) => rev(a) - rev(b));
    const newest = cs[cs.length - 1] as ContainerSummary;
    const group = groupOf(newest);
    if (!group) continue;
    out.push({
      group,
      revision: rev(newest),
      created: newest.labels[LABEL.created] ?? '',
      records: cs.map((c) => ({ id: c.id, name: c.name, revision: rev(c) })),
    });
  }
  return out.sort((a, b) => a.group.name.localeCompare(b.group.name));
}

/** A service seen for the first time, before its objects are read into it. */
export function emptyService(
  name: string,
  tenant: string,
  backend: ObservedService['backend'],
): ObservedService {
  return {
    name,
    tenant,
    backend,
    lb: undefined,
    replicas: [],
    records: [],
    others: [],
    current: undefined,
    operation: undefined,
    interrupted: undefined,
  };
}
/** The tenant's services and groups from its containers. Pure (`now` and `alive` for tests). */
export function readSnapshot(
  tenant: string,
  containers: ContainerSummary[],
  now: number = Date.now() / 1000,
  alive?: (pid: number) => boolean,
): Snapshot {
  // A Swarm task's container carries its service's labels: it is observed as a task (src/swarm).
  const mine = containers.filter(
    (c) => c.labels[LABEL.tenant] === tenant && !isKept(c) && c.labels[LABEL.backend] !== 'swarm',
  );
  const byName = new Map<string, ObservedService>();
  for (const c of mine) {
    const name = c.labels[LABEL.service];
    if (!name) continue;
    let s = byName.get(name);
    if (!s) {
      s = emptyService(name, tenant, 'local');
      byName.set(name, s);
    }
    const role = c.labels[LABEL.role];
    if (role === 'lb' && c.name === names.lb(tenant, name)) s.lb = c;
    else if (role === 'replica' && replicaNumberOf(`r${c.labels[LABEL.replica]}`) !== undefined)
      s.replicas.push({
        ...c,
        number: Number(c.labels[LABEL.replica]),
        specHash: c.labels[LABEL.specHash] ?? '',
      });
    else if (role === 'record') s.records.push(readRecord(c));
    else s.others.push(c);
  }
  for (const s of byName.values()) {
    s.replicas.sort((a, b) => a.number - b.number);
    s.records.sort((a, b) => a.revision - b.revision);
    judgeRecords(s, now, alive);
  }
  return {
    tenant,
    services: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
    groups: readGroups(mine.filter((c) => c.labels[LABEL.role] === 'security-group')),
  };
}

/**
 * Everything of the tenant: its containers (one list call) and, when the engine manages a swarm,
 * its Swarm services (src/swarm/observe.ts).
 */
export async function observe(engine: Engine, tenant: string): Promise<Snapshot> {
  const [containers, swarm] = await Promise.all([
    engine.listContainers(labelFilter(tenant)),
    observeSwarm(engine.swarm, tenant),
  ]);
  const local = readSnapshot(tenant, containers);
  if (swarm.length === 0) return local;
  const services = [...local.services, ...swarm].sort((a, b) => a.name.localeCompare(b.name));
  return { ...local, services };
}

export function findService(snapshot: Snapshot, name: string): ObservedService {
  const s = snapshot.services.find((x) => x.name === name);
  if (!s) throw new NotFoundError(`no such service: ${name}`);
  return s;
}

export function findGroup(snapshot: Snapshot, name: string): StoredGroup {
  const g = snapshot.groups.find((x) => x.group.name === name);
  if (!g) throw new NotFoundError(`no such security group: ${name}`);
  return g;
}
