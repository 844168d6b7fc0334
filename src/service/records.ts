/**
 * A service's desired state lives in its record: a container that is created and never started
 * (no process, no network), whose labels hold the normalised spec. Container labels cannot
 * change, so every change (scale, rolling update) writes a new record with the next revision;
 * the newest is the desired state, the one before it is what `--rollback` returns to. The
 * record's name carries its revision, so two commands changing one service at once cannot both
 * write revision K+1: the engine refuses the second name (409).
 */

import type { ContainerSpec, Engine } from '../engine/engine.js';
import { ConflictError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import { LABEL, LABEL_SCHEMA_VERSION, names } from './labels.js';
import { publicSpec } from './service-json.js';
import { specHash } from './spec-hash.js';

export type Operation = 'scale' | 'rolling-update';

export interface RecordInput {
  tenant: string;
  spec: ServiceSpec;
  revision: number;
  created: string;
  /** Any image present on the engine; the record never runs. */
  image: string;
  operation?: Operation;
  /** The image before the last rolling update: what `rolling-update --rollback` returns to. */
  previousImage?: string;
}

export function recordContainer(r: RecordInput): ContainerSpec {
  const labels: Record<string, string> = {
    [LABEL.managed]: LABEL_SCHEMA_VERSION,
    [LABEL.tenant]: r.tenant,
    [LABEL.service]: r.spec.Name,
    [LABEL.role]: 'record',
    [LABEL.revision]: String(r.revision),
    [LABEL.specHash]: specHash(r.spec),
    [LABEL.spec]: JSON.stringify(publicSpec(r.spec)),
    [LABEL.created]: r.created,
  };
  if (r.operation) labels[LABEL.operation] = r.operation;
  if (r.previousImage) labels[LABEL.previousImage] = r.previousImage;
  return {
    name: names.record(r.tenant, r.spec.Name, r.revision),
    image: r.image,
    labels,
    network: 'none',
    entrypoint: ['/nonexistent'],
    cmd: null,
    restartPolicy: 'no',
  };
}

/**
 * Write revision `r.revision` and remove records older than the one before it. A record of that
 * revision already there means another command changed the service meanwhile: 409.
 */
export async function writeRecord(
  engine: Engine,
  r: RecordInput,
  older: Array<{ id: string; revision: number }>,
): Promise<string> {
  let id: string;
  try {
    id = await engine.createContainer(recordContainer(r));
  } catch (err) {
    if (err instanceof ConflictError) {
      throw new ConflictError(
        `service "${r.spec.Name}" is being changed by another svc command; try again when it is done`,
        { cause: err },
      );
    }
    throw err;
  }
  await Promise.all(
    older.filter((o) => o.revision < r.revision - 1).map((o) => engine.removeContainer(o.id)),
  );
  return id;
}
