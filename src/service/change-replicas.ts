/**
 * Changing a running service's replica set without dropping a request: the steps `scale` and
 * `rolling-update` share. New replicas are created and started, added to the load balancer by a
 * hitless reload and waited for until HAProxy's own health check says UP; leaving replicas are
 * drained first (no new requests, in-flight ones finish), then removed from the config, then
 * stopped gracefully and removed.
 */
import type { Engine } from '../engine/engine.js';
import { ConflictError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import { lbConfig, replicaContainer } from './create-plan.js';
import { names } from './labels.js';
import { drainServers, reloadLb } from './lb-control.js';
import { currentRecord, desiredSpec, type ObservedService } from './observe.js';
import { type Operation, writeRecord } from './records.js';
import { waitUntilUp } from './wait-ready.js';

export interface ChangeOptions {
  timeoutMs: number;
  onProgress?: (text: string) => void;
  signal?: AbortSignal;
}

/** Seconds a leaving replica gets between its stop signal and SIGKILL. */
const STOP_GRACE_SECONDS = 10;
const PARALLELISM = 8;

async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLELISM) {
    await Promise.all(items.slice(i, i + PARALLELISM).map(fn));
  }
}

/** A running service's parts, checked: its desired spec and a running load balancer. */
export function changeable(s: ObservedService): {
  spec: ServiceSpec;
  lbId: string;
  revision: number;
  created: string;
} {
  const spec = desiredSpec(s);
  const record = currentRecord(s);
  if (!spec || !record || !s.lb) {
    throw new ConflictError(
      `service "${s.name}" is incomplete (left by an interrupted svc); remove it with: svc rm ${s.name}`,
    );
  }
  if (s.lb.state !== 'running') {
    throw new ConflictError(
      `the load balancer of "${s.name}" is ${s.lb.state}; start it (docker start ${s.lb.name}) first`,
    );
  }
  return { spec, lbId: s.lb.id, revision: record.revision, created: record.created };
}

/**
 * Run `change` between two records: the first (revision K+1) says the operation is under way and
 * is the lock; the second (K+2) is the outcome. The second is written even when the change
 * fails, so the service never stays `updating`.
 */
export async function withOperation<T>(
  engine: Engine,
  s: ObservedService,
  operation: Operation,
  next: ServiceSpec,
  change: () => Promise<T>,
  previousImage?: string,
): Promise<T> {
  const { revision, created } = changeable(s);
  const tenant = s.tenant;
  const image = s.lb?.image as string;
  const older = s.records.map((r) => ({ id: r.id, revision: r.revision }));
  const record = { tenant, spec: next, created, image, previousImage };
  const started = await writeRecord(engine, { ...record, revision: revision + 1, operation }, older);
  try {
    return await change();
  } finally {
    await writeRecord(engine, { ...record, revision: revision + 2 }, [
      ...older,
      { id: started, revision: revision + 1 },
    ]);
  }
}

/** Create and start replicas `numbers` of `spec`; returns their container IDs. */
export async function startReplicas(
  engine: Engine,
  spec: ServiceSpec,
  tenant: string,
  numbers: number[],
): Promise<string[]> {
  const { cpus } = await engine.info();
  const ids: string[] = [];
  await inBatches(numbers, async (n) => {
    const id = await engine.createContainer(replicaContainer(spec, tenant, n, cpus));
    ids.push(id);
    await engine.startContainer(id);
  });
  return ids;
}

/** Point the load balancer at replica set `final` and wait until `mustBeUp` are UP. */
export async function applyReplicaSet(
  engine: Engine,
  lbId: string,
  spec: ServiceSpec,
  tenant: string,
  final: number[],
  mustBeUp: number[],
  opts: ChangeOptions,
): Promise<void> {
  opts.onProgress?.('reloading the load balancer');
  await reloadLb(engine, lbId, lbConfig(spec, tenant, final));
  if (mustBeUp.length > 0) {
    await waitUntilUp(
      engine,
      lbId,
      mustBeUp.map((n) => `r${n}`),
      { timeoutMs: opts.timeoutMs, signal: opts.signal, onProgress: opts.onProgress },
    );
  }
}

/**
 * Take replicas `leaving` out: drain them and reload without them (`final` is what stays).
 * Resolves then, with the promise of their graceful stop and removal, which the caller awaits
 * when it suits it (a rolling update goes on with the next replica meanwhile).
 */
export async function retireReplicas(
  engine: Engine,
  s: ObservedService,
  lbId: string,
  spec: ServiceSpec,
  leaving: number[],
  final: number[],
  opts: ChangeOptions,
): Promise<{ removed: Promise<void> }> {
  if (leaving.length === 0) return { removed: Promise.resolve() };
  opts.onProgress?.(`draining ${leaving.map((n) => names.replica(s.tenant, s.name, n)).join(', ')}`);
  await drainServers(
    engine,
    lbId,
    leaving.map((n) => `r${n}`),
  );
  await applyReplicaSet(engine, lbId, spec, s.tenant, final, [], opts);
  const ids = s.replicas.filter((r) => leaving.includes(r.number)).map((r) => r.id);
  const removed = inBatches(ids, async (id) => {
    await engine.stopContainer(id, STOP_GRACE_SECONDS);
    await engine.removeContainer(id);
  });
  // Observed by the caller; never an unhandled rejection meanwhile.
  removed.catch(() => undefined);
  return { removed };
}
