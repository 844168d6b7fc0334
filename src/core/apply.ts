/**
 * `svc apply` and `svc diff`: a service file is the desired state. A service that does not exist
 * is created (as `create`); one that does is compared field by field with the spec recorded on it
 * (plan/spec-diff.ts), and its backend plans the least change from what it observed: the spec hash
 * each replica carries, and the image ID each runs against the one the desired tag names now. The
 * change runs under the executor's journal: all or nothing.
 */

import type { ServiceSpec } from '../spec/types.js';
import type { ApplyPlanOptions, Core, CreateOptions, PullPolicy } from './backend.js';
import { ensureImage } from './images.js';
import { findService } from './observe.js';
import { describeChanges, diffSpecs, refuseInPlace } from './plan/spec-diff.js';
import { observeRepaired } from './repair.js';
import { changeable, createService, runPlan } from './services.js';

export interface ApplyOptions extends CreateOptions {
  parallelism: number;
  /** Replace every replica even when nothing they are made from changed. */
  force?: boolean;
}

export interface ApplyResult {
  name: string;
  action: 'created' | 'changed' | 'unchanged';
  /** What the change does, for people (`2 replicas replaced by 2 (rolling)`). */
  summary: string;
  /** The text form: the fields that differ, one a line, then the plan's steps. */
  text: string;
  notes: string[];
}

/**
 * The ID of the image `image` names on the engine, after asking the registry as `pull` says
 * (core/images.ts; a dry run pulls nothing): undefined when the engine does not have it.
 */
async function desiredImageId(
  core: Core,
  image: string,
  pull: PullPolicy,
  opts: { dryRun?: boolean; onProgress?: (t: string) => void },
): Promise<string | undefined> {
  const present = await ensureImage(core.engine, image, pull, opts);
  return present ? (await core.engine.inspectImage(image))?.id : undefined;
}

/** The line saying a tag names another image than replicas run (compose's "image changed"). */
function movedTag(image: string, id: string | undefined, count: number): string {
  if (!id || count === 0) return '';
  return `  Image: ${JSON.stringify(image)} now names ${id.slice(0, 19)}, which ${count} replicas do not run (replaced)`;
}

const text = (changes: string, plan: string) =>
  [changes, plan || '(nothing to do)'].filter(Boolean).join('\n');

/** Create `spec`'s service, or change it to `spec` with the least change; with dryRun, only say how. */
export async function applyService(core: Core, spec: ServiceSpec, opts: ApplyOptions): Promise<ApplyResult> {
  const name = spec.Name;
  // What a killed command left of the service is finished or undone first, as for every change.
  const repaired = await observeRepaired(core, name, opts);
  const { snapshot } = repaired;
  const found = snapshot.services.find((s) => s.name === name);
  if (!found || found.interrupted?.operation === 'create') {
    const created = await createService(core, spec, opts);
    const summary = `created (${spec.Replicas} replicas)`;
    return {
      name,
      action: 'created',
      summary,
      text: text('  (new service)', created.plan),
      notes: created.notes,
    };
  }
  const s = findService(snapshot, name);
  const change = changeable(s);
  const changes = diffSpecs(change.spec, spec);
  const moved = (id: string | undefined) =>
    id === undefined ? [] : s.replicas.filter((r) => r.imageId !== undefined && r.imageId !== id);
  refuseInPlace(name, changes);
  const imageId = await desiredImageId(core, spec.Image, opts.pull ?? 'missing', opts);
  const planOpts: ApplyPlanOptions = { parallelism: opts.parallelism, force: opts.force, changes, imageId };
  const planned = await s.owner.planApply({ core, snapshot, change, opts }, spec, planOpts);
  const result = await runPlan(core, repaired, planned.plan, opts, { name, summary: planned.summary });
  return {
    name,
    action: planned.plan ? 'changed' : 'unchanged',
    summary: planned.summary,
    text: text(
      [describeChanges(changes), movedTag(spec.Image, imageId, moved(imageId).length)]
        .filter(Boolean)
        .join('\n'),
      result.plan,
    ),
    notes: result.notes,
  };
}
