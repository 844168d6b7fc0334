/** `svc scale NAME=N`: converge the replica set to N with no request lost. */
import type { Engine } from '../engine/engine.js';
import {
  applyReplicaSet,
  type ChangeOptions,
  changeable,
  retireReplicas,
  startReplicas,
  withOperation,
} from './change-replicas.js';
import { currentRecord, observeService } from './observe.js';
import { describeScale, planScale } from './scale-plan.js';

export interface ScaleResult {
  name: string;
  from: number;
  to: number;
  /** What was done, e.g. `add 3 4`. */
  change: string;
}

export async function scaleService(
  engine: Engine,
  tenant: string,
  name: string,
  target: number,
  opts: ChangeOptions,
): Promise<ScaleResult> {
  const s = await observeService(engine, tenant, name);
  const { spec, lbId } = changeable(s);
  const plan = planScale(
    s.replicas.map((r) => ({ number: r.number, running: r.state === 'running' })),
    target,
  );
  const result = { name, from: spec.Replicas, to: target, change: describeScale(plan) };
  if (
    plan.add.length === 0 &&
    plan.remove.length === 0 &&
    plan.restart.length === 0 &&
    spec.Replicas === target
  ) {
    return result;
  }
  const next = { ...spec, Replicas: target };
  await withOperation(
    engine,
    s,
    'scale',
    next,
    async () => {
      if (plan.add.length > 0) {
        opts.onProgress?.(`starting ${plan.add.length} new replicas`);
        await startReplicas(engine, next, tenant, plan.add);
      }
      for (const n of plan.restart) {
        const r = s.replicas.find((x) => x.number === n);
        if (r) await engine.startContainer(r.id);
      }
      const stays = [...plan.keep, ...plan.add].sort((a, b) => a - b);
      if (plan.add.length > 0 || plan.restart.length > 0) {
        // The leaving replicas stay in the config until they are drained.
        await applyReplicaSet(
          engine,
          lbId,
          next,
          tenant,
          [...stays, ...plan.remove],
          [...plan.add, ...plan.restart],
          opts,
        );
      }
      const { removed } = await retireReplicas(engine, s, lbId, next, plan.remove, plan.final, opts);
      await removed;
    },
    currentRecord(s)?.previousImage,
  );
  return result;
}
