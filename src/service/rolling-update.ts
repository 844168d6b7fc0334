/**
 * `svc rolling-update --image IMG NAME`: replace the replicas one at a time. For each old
 * replica: start a new one of the new image, add it to the load balancer and wait until HAProxy
 * sees it UP, then drain and remove the old one. A new replica that never becomes healthy stops
 * the update: it is removed, the old replicas that remain keep serving, and the error says so.
 */
import type { Engine } from '../engine/engine.js';
import { InternalError, SvcError, UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import {
  applyReplicaSet,
  type ChangeOptions,
  changeable,
  retireReplicas,
  startReplicas,
  withOperation,
} from './change-replicas.js';
import { names } from './labels.js';
import { currentRecord, observeService } from './observe.js';

export interface RollingUpdateResult {
  name: string;
  from: string;
  to: string;
  /** Replicas replaced: old number → new number. */
  replaced: Array<{ from: number; to: number }>;
}

/** What the replicas ran before the update (the most common image), unless that is the new one. */
export function previousImageOf(running: string[], desired: string, next: string): string | undefined {
  const counts = new Map<string, number>();
  for (const i of running) counts.set(i, (counts.get(i) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const previous = top?.[0] ?? desired;
  return previous !== next ? previous : undefined;
}

function lowestFree(taken: Set<number>): number {
  let n = 1;
  while (taken.has(n)) n++;
  return n;
}

/** `image` undefined with `rollback` true: back to the image before the last rolling update. */
export async function rollingUpdate(
  engine: Engine,
  tenant: string,
  name: string,
  target: { image?: string; rollback?: boolean },
  opts: ChangeOptions,
): Promise<RollingUpdateResult> {
  const s = await observeService(engine, tenant, name);
  const { spec, lbId } = changeable(s);
  let image = target.image;
  if (target.rollback) {
    image = currentRecord(s)?.previousImage;
    if (!image) throw new UsageError(`service "${name}" has no earlier image to roll back to`);
  }
  if (!image) throw new UsageError('give --image IMAGE (or --rollback)');
  image = resolveField('Image', { flag: '--image', value: image });
  if (!(await engine.imageExists(image))) {
    opts.onProgress?.(`pulling ${image}`);
    await engine.pullImage(image).catch((err: unknown) => {
      throw new SvcError(
        404,
        `image "${image}" is not present and could not be pulled: ${(err as Error).message}`,
      );
    });
  }

  const next = { ...spec, Image: image };
  const result: RollingUpdateResult = { name, from: spec.Image, to: image, replaced: [] };
  const old = s.replicas.filter((r) => r.image !== image);
  if (old.length === 0 && spec.Image === image) return result;

  await withOperation(
    engine,
    s,
    'rolling-update',
    next,
    async () => {
      const current = new Set(s.replicas.map((r) => r.number));
      // Numbers in use, including replicas still stopping: a new replica never reuses one.
      const taken = new Set(current);
      const removals: Promise<void>[] = [];
      for (const r of old) {
        if (opts.signal?.aborted)
          throw new InternalError('interrupted; the replicas not yet replaced keep the old image');
        const n = lowestFree(taken);
        taken.add(n);
        const newName = names.replica(tenant, name, n);
        opts.onProgress?.(`replacing ${r.name} with ${newName}`);
        const [id] = await startReplicas(engine, next, tenant, [n]);
        try {
          await applyReplicaSet(
            engine,
            lbId,
            next,
            tenant,
            [...current, n].sort((a, b) => a - b),
            [n],
            opts,
          );
        } catch (err) {
          // Never healthy: take it out again; the old replicas keep serving.
          await applyReplicaSet(
            engine,
            lbId,
            next,
            tenant,
            [...current].sort((a, b) => a - b),
            [],
            opts,
          ).catch(() => undefined);
          if (id) await engine.removeContainer(id);
          await Promise.allSettled(removals);
          const why = err instanceof Error ? err.message : String(err);
          throw new InternalError(
            `rolling update of "${name}" stopped: new replica ${newName} (${image}) did not become healthy (${why}). ` +
              `${result.replaced.length} of ${old.length} replicas were replaced; the others keep serving. ` +
              `Roll back with: svc rolling-update --rollback ${name}`,
          );
        }
        current.add(n);
        current.delete(r.number);
        const { removed } = await retireReplicas(
          engine,
          s,
          lbId,
          next,
          [r.number],
          [...current].sort((a, b) => a - b),
          opts,
        );
        removals.push(removed);
        result.replaced.push({ from: r.number, to: n });
      }
      await Promise.all(removals);
    },
    previousImageOf(
      s.replicas.map((r) => r.image),
      spec.Image,
      image,
    ) ?? currentRecord(s)?.previousImage,
  );
  return result;
}
