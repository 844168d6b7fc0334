/** Containers as the engine lists them, for the pure parts (observe, status, views, plans). */
import { localBackend } from '../../src/backends/local/index.js';
import { readLocal } from '../../src/backends/local/observe.js';
import type { Snapshot } from '../../src/core/backend.js';
import { readGroups } from '../../src/core/observe.js';
import type { ContainerState, ContainerSummary } from '../../src/engine/engine.js';
import { formatNumbers, LABEL, names } from '../../src/model/naming.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { seedSpec } from './seed.js';

export const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
export const OTHER_TENANT = '7e57000000000000000000000000ffff';
export const CREATED = '2016-10-08T13:12:15.405946064Z';

let seq = 0;
function id(): string {
  seq += 1;
  return seq.toString(16).padStart(64, 'a');
}

function base(tenant: string, service: string, role: string): Record<string, string> {
  return { [LABEL.managed]: '1', [LABEL.tenant]: tenant, [LABEL.service]: service, [LABEL.role]: role };
}

export function lbOf(service: string, state: ContainerState = 'running', tenant = TENANT): ContainerSummary {
  return {
    id: id(),
    name: names.lb(tenant, service),
    image: 'haproxy:lts-alpine',
    state,
    labels: base(tenant, service, 'lb'),
    created: 1475932335,
    addresses: state === 'running' ? { [names.network(tenant)]: '172.18.0.2' } : {},
    ports: [],
  };
}

export function replicaOf(
  service: string,
  n: number,
  state: ContainerState = 'running',
  tenant = TENANT,
  image = 'nginx',
): ContainerSummary {
  return {
    id: id(),
    name: names.replica(tenant, service, n),
    image,
    state,
    labels: { ...base(tenant, service, 'replica'), [LABEL.replica]: String(n), [LABEL.image]: image },
    created: 1475932336,
    addresses: {},
    ports: [],
  };
}

export function recordOf(
  spec: ServiceSpec,
  revision = 1,
  tenant = TENANT,
  extra: Record<string, string> = {},
): ContainerSummary {
  return {
    id: id(),
    name: names.record(tenant, spec.Name, revision),
    image: 'haproxy:lts-alpine',
    state: 'created',
    labels: {
      ...base(tenant, spec.Name, 'record'),
      [LABEL.revision]: String(revision),
      [LABEL.spec]: JSON.stringify(spec),
      [LABEL.created]: CREATED,
      [LABEL.servers]: formatNumbers(Array.from({ length: spec.Replicas }, (_, i) => i + 1)),
      ...extra,
    },
    created: 1475932335,
    addresses: {},
    ports: [],
  };
}

/**
 * The tenant's services and groups, as the core observes them from these containers on an engine
 * in no swarm (`now` and `alive` for records of operations: whose command may still run).
 */
export function readSnapshot(
  tenant: string,
  containers: ContainerSummary[],
  now?: number,
  alive?: (pid: number) => boolean,
): Snapshot {
  return {
    tenant,
    services: readLocal(localBackend, tenant, containers, now, alive),
    groups: readGroups(tenant, containers),
    info: { cpus: 2, memoryBytes: 8 * 2 ** 30, serverVersion: '20.10.24' },
  };
}

export function specNamed(name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return { ...seedSpec, Name: name, ...extra };
}

/** A whole service: load balancer, record, replicas 1…N running. */
export function serviceOf(spec: ServiceSpec, tenant = TENANT): ContainerSummary[] {
  const replicas = Array.from({ length: spec.Replicas }, (_, i) =>
    replicaOf(spec.Name, i + 1, 'running', tenant),
  );
  return [lbOf(spec.Name, 'running', tenant), recordOf(spec, 1, tenant), ...replicas];
}
