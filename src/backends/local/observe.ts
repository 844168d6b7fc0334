/**
 * The local backend's services read back from the tenant's containers (one list call): each
 * service's load balancer, replicas, records and anything else labelled with it. Pure.
 */
import type { Backend, ObservedService } from '../../core/backend.js';
import { emptyService } from '../../core/observe.js';
import { judgeRecords, ownerMayRun, readRecord } from '../../core/records.js';
import type { ContainerSummary } from '../../engine/engine.js';
import { isKept, LABEL, names, replicaNumberOf } from '../../model/naming.js';
import { specHash } from '../../model/spec-hash.js';

/** Whether a container is one of the local backend's (another backend's objects carry its name). */
const isLocal = (c: ContainerSummary) => c.labels[LABEL.backend] === undefined;

/**
 * A load balancer created and never started is a create under way (its creator, on its labels,
 * may still run) or one that was killed (the next create of that name removes what it left).
 */
function judgeCreate(s: ObservedService<undefined>, now: number, alive?: (pid: number) => boolean): void {
  if (s.lb?.state !== 'created' || s.operation || s.interrupted) return;
  const creator = { owner: s.lb.labels[LABEL.operationOwner], written: s.lb.created };
  if (ownerMayRun(creator, now, alive)) s.operation = 'create';
  else s.interrupted = { operation: 'create' };
}

/** The tenant's local services, by name (`now` and `alive` for tests: whose operation may still run). */
export function readLocal(
  backend: Backend<undefined>,
  tenant: string,
  containers: ContainerSummary[],
  now: number = Date.now() / 1000,
  alive?: (pid: number) => boolean,
): Array<ObservedService<undefined>> {
  const byName = new Map<string, ObservedService<undefined>>();
  for (const c of containers) {
    const name = c.labels[LABEL.service];
    if (!name || c.labels[LABEL.tenant] !== tenant || isKept(c) || !isLocal(c)) continue;
    let s = byName.get(name);
    if (!s) {
      s = emptyService(name, tenant, backend, undefined);
      byName.set(name, s);
    }
    const role = c.labels[LABEL.role];
    if (role === 'lb' && c.name === names.lb(tenant, name)) s.lb = c;
    else if (role === 'replica' && replicaNumberOf(`r${c.labels[LABEL.replica]}`) !== undefined)
      s.replicas.push({ ...c, number: Number(c.labels[LABEL.replica]), outdated: false });
    else if (role === 'record') s.records.push(readRecord(c));
    else s.others.push(c);
  }
  for (const s of byName.values()) {
    s.replicas.sort((a, b) => a.number - b.number);
    s.records.sort((a, b) => a.revision - b.revision);
    Object.assign(s, judgeRecords(s.records, now, alive));
    judgeCreate(s, now, alive);
    const spec = s.current?.spec;
    const desired = spec ? specHash(spec) : undefined;
    for (const r of s.replicas) r.outdated = desired !== undefined && r.labels[LABEL.specHash] !== desired;
    s.ip = s.lb?.addresses[names.network(tenant)] ?? '';
    s.lbContainer = s.lb?.state === 'running' ? s.lb.id : undefined;
    s.numberedServers = true;
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
