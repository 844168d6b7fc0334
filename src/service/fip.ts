/**
 * `svc attach-fip` / `svc detach-fip`: publish or unpublish the service port on a host address.
 * Docker cannot add or drop a port binding on an existing container, so the load balancer is
 * replaced: the old one is renamed aside, a new one (same config and certificate, copied through
 * the Docker API) is started with the new binding and waited for, then the old one stops softly
 * (in-flight requests finish) and is removed. Replicas are untouched. A failure (e.g. the host
 * port is taken) removes the new one and puts the old one back.
 */
import type { Engine } from '../engine/engine.js';
import { ConflictError, UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { changeable } from './change-replicas.js';
import { HAPROXY_DIR, lbContainer } from './create-plan.js';
import { names } from './labels.js';
import { explainStartFailure } from './lb-control.js';
import { observeService } from './observe.js';
import { writeRecord } from './records.js';
import { waitUntilUp } from './wait-ready.js';

/** Seconds the old load balancer gets to finish in-flight requests after the switch. */
const OLD_LB_GRACE_SECONDS = 30;

export interface FipResult {
  name: string;
  from: string;
  to: string;
}

export async function setFip(
  engine: Engine,
  tenant: string,
  name: string,
  fip: string,
  opts: { timeoutMs: number; onProgress?: (text: string) => void },
): Promise<FipResult> {
  const s = await observeService(engine, tenant, name);
  const { spec, lbId, revision, created } = changeable(s);
  const to = fip === '' ? '' : resolveField('FIP', { flag: '--fip', value: fip });
  if (to !== '' && spec.FIP !== '') {
    throw new ConflictError(
      `service "${name}" already has FIP ${spec.FIP}; detach it first: svc detach-fip ${name}`,
    );
  }
  if (to === '' && spec.FIP === '') return { name, from: '', to: '' };
  const next = { ...spec, FIP: to };
  const lbName = names.lb(tenant, name);
  const asideName = `${lbName}-old`;
  const image = s.lb?.image as string;

  opts.onProgress?.('starting the new load balancer');
  await engine.renameContainer(lbId, asideName);
  let newId: string | undefined;
  try {
    newId = await engine.createContainer(lbContainer(next, tenant, image));
    await engine.copyDirectory(lbId, newId, HAPROXY_DIR);
    try {
      await engine.startContainer(newId);
    } catch (err) {
      throw explainStartFailure(err, next);
    }
    const servers = s.replicas.filter((r) => r.state === 'running').map((r) => `r${r.number}`);
    await waitUntilUp(engine, newId, servers, { timeoutMs: opts.timeoutMs, onProgress: opts.onProgress });
  } catch (err) {
    if (newId) await engine.removeContainer(newId);
    await engine.renameContainer(lbId, lbName);
    throw err;
  }
  await writeRecord(
    engine,
    {
      tenant,
      spec: next,
      revision: revision + 1,
      created,
      image,
      previousImage: s.records.at(-1)?.previousImage,
    },
    s.records.map((r) => ({ id: r.id, revision: r.revision })),
  );
  opts.onProgress?.('stopping the old load balancer');
  await engine.stopContainer(lbId, OLD_LB_GRACE_SECONDS);
  await engine.removeContainer(lbId);
  return { name, from: spec.FIP, to };
}

export function requireFip(fip: string | undefined): string {
  if (!fip)
    throw new UsageError('give the host address to publish on: --fip ADDR (e.g. 127.0.0.1 or 0.0.0.0)');
  return fip;
}
