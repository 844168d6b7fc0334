/**
 * Observing services: everything is read back from the labels of the tenant's containers, in
 * one list call. `groupServices` is pure.
 */
import type { ContainerSummary, Engine } from '../engine/engine.js';
import { NotFoundError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import { isKept, LABEL, labelFilter } from './labels.js';
import type { Operation } from './records.js';

export interface ObservedReplica extends ContainerSummary {
  number: number;
  specHash: string;
}

export interface ObservedRecord {
  id: string;
  name: string;
  revision: number;
  spec: ServiceSpec | undefined;
  created: string;
  operation: Operation | undefined;
  previousImage: string | undefined;
}

export interface ObservedService {
  name: string;
  tenant: string;
  lb: ContainerSummary | undefined;
  /** By replica number. */
  replicas: ObservedReplica[];
  /** By revision, oldest first. */
  records: ObservedRecord[];
}

export function currentRecord(s: ObservedService): ObservedRecord | undefined {
  return s.records[s.records.length - 1];
}

/** The service's desired spec (newest record); undefined for a half-created service. */
export function desiredSpec(s: ObservedService): ServiceSpec | undefined {
  return currentRecord(s)?.spec;
}

function parseSpec(text: string | undefined): ServiceSpec | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ServiceSpec;
  } catch {
    return undefined;
  }
}

export function groupServices(tenant: string, containers: ContainerSummary[]): ObservedService[] {
  const byName = new Map<string, ObservedService>();
  for (const c of containers) {
    const name = c.labels[LABEL.service];
    if (!name || c.labels[LABEL.tenant] !== tenant || isKept(c)) continue;
    let s = byName.get(name);
    if (!s) {
      s = { name, tenant, lb: undefined, replicas: [], records: [] };
      byName.set(name, s);
    }
    switch (c.labels[LABEL.role]) {
      case 'lb':
        s.lb = c;
        break;
      case 'replica':
        s.replicas.push({
          ...c,
          number: Number(c.labels[LABEL.replica]),
          specHash: c.labels[LABEL.specHash] ?? '',
        });
        break;
      case 'record':
        s.records.push({
          id: c.id,
          name: c.name,
          revision: Number(c.labels[LABEL.revision]),
          spec: parseSpec(c.labels[LABEL.spec]),
          created: c.labels[LABEL.created] ?? '',
          operation: c.labels[LABEL.operation] as Operation | undefined,
          previousImage: c.labels[LABEL.previousImage],
        });
        break;
    }
  }
  for (const s of byName.values()) {
    s.replicas.sort((a, b) => a.number - b.number);
    s.records.sort((a, b) => a.revision - b.revision);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function observeServices(
  engine: Engine,
  tenant: string,
  name?: string,
): Promise<ObservedService[]> {
  return groupServices(tenant, await engine.listContainers(labelFilter(tenant, name)));
}

export async function observeService(engine: Engine, tenant: string, name: string): Promise<ObservedService> {
  const [service] = await observeServices(engine, tenant, name);
  if (!service) throw new NotFoundError(`no such service: ${name}`);
  return service;
}
