/**
 * Observing a tenant: the engine's facts and the tenant's containers are read once, each backend
 * reads its services from them (and from what else it needs), and the security groups are read
 * back from their records' labels.
 */
import type { ContainerSummary, EngineInfo } from '../engine/engine.js';
import { NotFoundError } from '../errors.js';
import { LABEL, labelFilter } from '../model/naming.js';
import type { SecurityGroup } from '../model/security-group.js';
import type { ServiceSpec } from '../spec/types.js';
import type { Backend, Core, ObservedService, ObserveEnv, Snapshot, StoredGroup } from './backend.js';

/** The service's desired spec (its current record's); undefined for a half-created service. */
export function desiredSpec(s: ObservedService): ServiceSpec | undefined {
  return s.current?.spec;
}

/** The replica numbers the load balancer's config lists (its record's; else the replicas there are). */
export function configServers(s: ObservedService): number[] {
  return s.current?.servers ?? s.replicas.map((r) => r.number);
}

/** A service seen for the first time, before its backend reads its objects into it. */
export function emptyService<P>(
  name: string,
  tenant: string,
  backend: Backend<P>,
  parts: P,
): ObservedService<P> {
  return {
    name,
    tenant,
    backend: backend.name,
    owner: backend,
    parts,
    lb: undefined,
    replicas: [],
    records: [],
    others: [],
    current: undefined,
    operation: undefined,
    interrupted: undefined,
    ip: '',
    lbContainer: undefined,
    numberedServers: true,
  };
}

function groupOf(c: ContainerSummary): SecurityGroup | undefined {
  try {
    return JSON.parse(c.labels[LABEL.securityGroupSpec] ?? '') as SecurityGroup;
  } catch {
    return undefined;
  }
}

/** The tenant's security groups, from their records among its containers. Pure. */
export function readGroups(tenant: string, containers: ContainerSummary[]): StoredGroup[] {
  const byName = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const n = c.labels[LABEL.securityGroup];
    if (c.labels[LABEL.tenant] !== tenant || c.labels[LABEL.role] !== 'security-group' || !n) continue;
    byName.set(n, [...(byName.get(n) ?? []), c]);
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

function once<T>(read: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= read();
    return p;
  };
}

/** What backends observe from; `info` when it was read already this command; `service` narrows it. */
function observeEnv(core: Core, info?: EngineInfo, service?: string): ObserveEnv {
  return {
    engine: core.engine,
    tenant: core.tenant,
    service,
    info: once(async () => info ?? core.engine.info()),
    containers: once(() => core.engine.listContainers(labelFilter(core.tenant, service))),
  };
}

/** Everything of the tenant, as every backend sees it (`info`: the engine's facts, if read already). */
export async function observe(core: Core, info?: EngineInfo): Promise<Snapshot> {
  const env = observeEnv(core, info);
  const [facts, groups, ...lists] = await Promise.all([
    env.info(),
    env.containers().then((cs) => readGroups(core.tenant, cs)),
    ...core.backends.map((b) => b.observe(env)),
  ]);
  const services = lists.flat().sort((a, b) => a.name.localeCompare(b.name));
  return { tenant: core.tenant, services, groups, info: facts };
}

/** One service as its backend sees it now (e.g. just made); undefined when it has none. */
export async function observeService<P>(
  core: Core,
  backend: Backend<P>,
  name: string,
  info: EngineInfo,
): Promise<ObservedService<P> | undefined> {
  return (await backend.observe(observeEnv(core, info, name))).find((s) => s.name === name);
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
