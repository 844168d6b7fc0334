/**
 * The operations on services, as the CLI and the API call them: each observes the tenant (one
 * list call), has the service's backend plan the change (a pure function of what was observed),
 * and executes the plan (execute.ts), or with `dryRun` returns the plan's text and changes nothing.
 */
import { ConflictError, InterruptedError, RejectedError, SvcError, UsageError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import type {
  Backend,
  Changeable,
  ChangeEnv,
  Core,
  CreateOptions,
  ObservedService,
  PlannedChange,
  PlannedCreate,
  RollingUpdateOptions,
  RunOptions,
} from './backend.js';
import { begin, context, execute, knownIds } from './execute.js';
import { findService, observeService } from './observe.js';
import { clearInterruptedCreate, observeRepaired, type Repaired, removeMade } from './repair.js';
import { rfc3339Nano, type ServiceJson, toServiceJson } from './service-json.js';
import { describePlan, type Plan } from './steps.js';

export interface ChangeResult {
  name: string;
  /** What changed, for people (e.g. `2 → 4 replicas (add 3 4)`). */
  summary: string;
  /** The plan's text (what was done, or with dryRun what would be). */
  plan: string;
  /** For people: what the change could not clean up, and the like. */
  notes: string[];
}

/** The error of a service left half-made by an interrupted command. */
export function incomplete(s: ObservedService): ConflictError {
  return new ConflictError(`service "${s.name}" is incomplete (left by an interrupted command)`, {
    hint: { kind: 'remove', service: s.name },
  });
}

/** A service that can be changed: complete, and no operation under way. */
export function changeable<P>(s: ObservedService<P>): Changeable<P> {
  const spec = s.current?.spec;
  const loadBalancer = s.lb;
  if (!spec || !loadBalancer) throw incomplete(s);
  if (s.operation) {
    throw new ConflictError(
      `service "${s.name}" is being changed (${s.operation}); try again when it is done`,
    );
  }
  return {
    service: s,
    spec,
    loadBalancer,
    revision: s.records.at(-1)?.revision ?? 0,
    created: s.current?.created ?? '',
    previousImage: s.current?.previousImage,
  };
}

/** The image a rollback returns to: the one before the last rolling update. */
export function rollbackImage(c: Changeable): string {
  if (!c.previousImage)
    throw new UsageError(`service "${c.service.name}" has no earlier image to roll back to`);
  return c.previousImage;
}

/** Execute (or, dry, describe) a plan after the repair; undefined plans change nothing. */
export async function runPlan(
  core: Core,
  repaired: Repaired,
  plan: Plan | undefined,
  opts: RunOptions,
  result: { name: string; summary: string },
): Promise<ChangeResult> {
  const before = repaired.plan ? [`# first, the repair\n${repaired.plan}`] : [];
  if (!plan) return { ...result, plan: before.join('\n'), notes: repaired.notes };
  const text = [...before, describePlan(plan)].join('\n');
  if (opts.dryRun) return { ...result, plan: text, notes: [...repaired.notes, ...plan.notes] };
  const outcome = await execute(context(core, opts), plan, knownIds(repaired.snapshot));
  return { ...result, plan: text, notes: [...repaired.notes, ...plan.notes, ...outcome.notes] };
}

/**
 * Observe, repair what a killed command left of the service (repair.ts), check it can be
 * changed, have its backend plan the change, run it.
 */
async function change(
  core: Core,
  name: string,
  opts: RunOptions,
  plan: (backend: Backend, env: ChangeEnv) => Promise<PlannedChange>,
): Promise<ChangeResult> {
  const repaired = await observeRepaired(core, name, opts);
  const { snapshot } = repaired;
  const s = findService(snapshot, name);
  const planned = await plan(s.owner, { core, snapshot, change: changeable(s), opts });
  return runPlan(core, repaired, planned.plan, opts, { name, summary: planned.summary });
}

export interface CreateResult {
  service: ServiceJson;
  plan: string;
  notes: string[];
}

export async function createService(
  core: Core,
  spec: ServiceSpec,
  opts: CreateOptions,
): Promise<CreateResult> {
  const created = rfc3339Nano();
  const { backend } = opts;
  // The plan reads the engine while the remains of a killed create of this name are looked for;
  // only when some were found (and removed) is it made again, from what is there now.
  // Steps that need nothing read (the tenant's network) run meanwhile too, unless something was
  // cleared (it may have taken them away): then they are undone and the plan makes them.
  const clearing = opts.dryRun ? Promise.resolve([]) : clearInterruptedCreate(core, spec.Name);
  const headStart = opts.dryRun ? [] : (backend.createHeadStart?.(core, spec, opts) ?? []);
  let begun = headStart.length > 0 ? begin(context(core, opts), headStart) : undefined;
  const planning = backend.planCreate(core, spec, opts, created);
  planning.catch(() => undefined); // awaited below, or discarded when a clear fails first
  let cleared: string[];
  let planned: PlannedCreate;
  try {
    cleared = await clearing;
    if (cleared.length > 0) {
      await begun?.abandon();
      begun = undefined;
    }
    planned = cleared.length > 0 ? await backend.planCreate(core, spec, opts, created) : await planning;
  } catch (err) {
    await begun?.abandon();
    throw err;
  }
  const { snapshot, plan, wait } = planned;
  const state = { tenant: core.tenant, created, status: 'created' as const };
  if (opts.dryRun) {
    const message = 'Dry run: the service would be created; nothing was changed';
    const service = toServiceJson(spec, { ...state, ip: '', message, containers: null });
    return { service, plan: describePlan(plan), notes: plan.notes };
  }
  const outcome = await (begun
    ? begun.execute(plan, knownIds(snapshot))
    : execute(context(core, opts), plan, knownIds(snapshot)));
  if (opts.wait) {
    opts.onProgress?.(`waiting for ${spec.Replicas} replicas to be UP`);
    try {
      await execute(context(core, opts), wait, outcome.ids);
    } catch (err) {
      if (err instanceof RejectedError) {
        // Waiting longer cannot bring it up: what was made goes, as for a create that failed.
        const s = await observeService(core, backend, spec.Name, snapshot.info);
        const left = s ? await removeMade(core, s, snapshot.info) : [];
        err.message +=
          left.length > 0 ? `; removing what it made failed: ${left.join('; ')}` : '; nothing of it was left';
        throw err;
      }
      if (err instanceof SvcError && !(err instanceof InterruptedError)) {
        err.message += '; the service was created and is left as it is';
        err.hint = { kind: 'remove', service: spec.Name };
      }
      throw err;
    }
  }
  const s = await observeService(core, backend, spec.Name, snapshot.info);
  const service = toServiceJson(spec, {
    ...state,
    ip: s?.ip ?? '',
    message: 'Service is created',
    containers: s?.replicas.map((r) => r.id) ?? null,
  });
  return { service, plan: describePlan(plan), notes: [...cleared, ...plan.notes, ...outcome.notes] };
}

export function scaleService(
  core: Core,
  name: string,
  target: number,
  opts: RunOptions,
): Promise<ChangeResult> {
  return change(core, name, opts, (b, env) => b.planScale(env, target));
}

export function rollingUpdate(
  core: Core,
  name: string,
  target: { image: string } | { rollback: true },
  opts: RunOptions & Partial<RollingUpdateOptions>,
): Promise<ChangeResult> {
  const image = (env: ChangeEnv) => ('image' in target ? target.image : rollbackImage(env.change));
  return change(core, name, opts, (b, env) =>
    b.planRollingUpdate(env, image(env), { parallelism: opts.parallelism ?? 1, force: opts.force }),
  );
}

/** `fip` "" detaches. */
export function setFip(core: Core, name: string, fip: string, opts: RunOptions): Promise<ChangeResult> {
  return change(core, name, opts, (b, env) => {
    const { service: s, spec } = env.change;
    if (fip !== '' && spec.FIP !== '') {
      throw new ConflictError(`service "${s.name}" already has FIP ${spec.FIP}`, {
        hint: { kind: 'detach-fip', service: s.name },
      });
    }
    return b.planFip(env, fip);
  });
}

/** `pem`: a checked SSLCert (certificate chain + key). */
export function updateCert(core: Core, name: string, pem: string, opts: RunOptions): Promise<ChangeResult> {
  return change(core, name, opts, (b, env) => {
    const { service: s, spec } = env.change;
    if (spec.Protocol !== 'httpsTerm') {
      throw new UsageError(
        `service "${s.name}" has Protocol ${spec.Protocol}; only httpsTerm services have a certificate`,
      );
    }
    return b.planUpdateCert(env, pem);
  });
}
