/**
 * A service's Status and Message (docs/commands.md, "Status"), from facts `ls` and `inspect` both have:
 * its records and its containers' states (one list call). Pure.
 *   active   every desired replica runs and is in the load balancer's config
 *   degraded some do not (stopped, missing, or a mix of images after an interrupted update)
 *   failed   none does, the load balancer is not running, or the service is incomplete
 *   updating an operation is under way, or one was killed half-way (the next change repairs it)
 * What the load balancer itself thinks of each replica is in `inspect`'s ReplicaDetail.
 */
import { LABEL, names } from '../model/naming.js';
import type { ObservedReplica, ObservedService } from './backend.js';
import { configServers, desiredSpec } from './observe.js';
import type { ServiceStatus } from './service-json.js';

export interface StatusResult {
  status: ServiceStatus;
  message: string;
  /** Replicas counted as up: running and in the load balancer's config. */
  up: number;
  desired: number;
  /** The images the replicas in the config run, most used first. */
  images: string[];
}

/** The image a replica was made from (its label; else what the engine says). */
export function replicaImage(r: ObservedReplica): string {
  return r.labels[LABEL.image] ?? r.image;
}

function imagesOf(replicas: ObservedReplica[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of replicas) counts.set(replicaImage(r), (counts.get(replicaImage(r)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** What a command killed half-way left (its command is gone), said with what repairs it; else undefined. */
export function unfinishedChange(s: ObservedService): string | undefined {
  const inConfig = new Set(configServers(s));
  const extra = [
    ...s.replicas.filter((r) => !inConfig.has(r.number)).map((r) => `${r.name} (${r.state})`),
    ...s.others.map((c) => `${c.name} (${c.state})`),
  ];
  const stale = s.records.filter((r) => r.revision !== s.current?.revision);
  if (!s.interrupted && extra.length === 0 && stale.length === 0) return undefined;
  const left = extra.length > 0 ? ` (left: ${extra.join(', ')})` : '';
  const n = s.current?.spec?.Replicas ?? s.replicas.length;
  const repair = `the next change of the service (e.g. svc scale ${s.name}=${n}) repairs it`;
  if (s.interrupted) return `a ${s.interrupted.operation} was interrupted${left}; ${repair}`;
  const op = stale.find((r) => r.operation)?.operation;
  return `${op ? `a ${op}` : 'a change'} did not finish its cleanup${left}; ${repair}`;
}

export function computeStatus(s: ObservedService): StatusResult {
  const spec = desiredSpec(s);
  const inConfig = new Set(configServers(s));
  const serving = s.replicas.filter((r) => inConfig.has(r.number));
  const images = imagesOf(serving);
  const desired = spec?.Replicas ?? s.replicas.length;
  const up = serving.filter((r) => r.state === 'running').length;
  const result = (status: ServiceStatus, message: string): StatusResult => ({
    status,
    message,
    up,
    desired,
    images: images.map(([i]) => i),
  });

  if (s.operation === 'create') return result('updating', 'create in progress');
  if (s.interrupted?.operation === 'create')
    return result('failed', 'incomplete: its create was interrupted; create it again, or remove it');
  if (!spec || !s.lb) {
    const missing = !s.lb ? 'load balancer' : 'stored spec';
    return result('failed', `incomplete: no ${missing} (left by an interrupted command); remove the service`);
  }
  if (s.operation) return result('updating', `${s.operation} in progress (${up}/${desired} replicas up)`);
  const unfinished = unfinishedChange(s);
  if (unfinished) return result('updating', unfinished);
  if (s.lb.state !== 'running')
    return result('failed', `the load balancer is ${s.lb.state}; the next change of the service starts it`);
  const problems: string[] = [];
  if (images.length > 1 || (images.length === 1 && images[0]?.[0] !== spec.Image)) {
    problems.push(
      `replicas run ${images.map(([i, n]) => `${i} (${n})`).join(' and ')}, the spec says ${spec.Image}`,
    );
  }
  if (desired === 0 && problems.length === 0) return result('active', 'Scaled to 0 replicas');
  const notUp = serving.filter((r) => r.state !== 'running').map((r) => `${r.name}: ${r.state}`);
  const present = new Set(s.replicas.map((r) => r.number));
  const gone = [...inConfig].filter((n) => !present.has(n)).map((n) => names.replica(s.tenant, s.name, n));
  if (gone.length > 0) notUp.push(`missing: ${gone.join(', ')} (scaling to ${desired} again recreates them)`);
  const short = desired - serving.length - gone.length;
  if (short > 0) notUp.push(`${short} not created`);
  if (up === 0 && desired > 0)
    return result('failed', [`no replica is up (0/${desired})`, ...notUp, ...problems].join('; '));
  if (up >= desired && notUp.length === 0 && problems.length === 0)
    return result('active', 'Scaling complete');
  return result('degraded', [`${up}/${desired} replicas up`, ...notUp, ...problems].join('; '));
}
