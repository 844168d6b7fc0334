/**
 * The operations on services, as the CLI and the API call them: each observes the tenant (one
 * list call), plans (a pure function, src/core/plan/), and executes the plan (execute.ts), or
 * with `dryRun` returns the plan's text and changes nothing.
 */

import { changeable } from '../backends/local/plan/change.js';
import { type PullPolicy, planCreate, replicaNumbers } from '../backends/local/plan/create.js';
import { planFip } from '../backends/local/plan/fip.js';
import { planRollingUpdate, rollbackImage } from '../backends/local/plan/rolling-update.js';
import { describeScale, planScale, planScaleSteps } from '../backends/local/plan/scale.js';
import { planUpdateCert } from '../backends/local/plan/update-cert.js';
import type { Engine } from '../engine/engine.js';
import { InterruptedError, NotFoundError, SvcError } from '../errors.js';
import type { LoadBalancerDriver } from '../lb/driver.js';
import { type Backend, names, serverName } from '../model/naming.js';
import { describeCertificate } from '../spec/ssl-cert.js';
import type { ServiceSpec } from '../spec/types.js';
import { type Context, execute } from './execute.js';
import { findService, observe, type Snapshot } from './observe.js';
import { rfc3339Nano, type ServiceJson, toServiceJson } from './service-json.js';
import { describePlan, type Plan } from './steps.js';

/** Where operations act: the engine, the load balancer driver, the tenant. */
export interface Core {
  engine: Engine;
  lb: LoadBalancerDriver;
  tenant: string;
}

export interface RunOptions {
  /** How long waits for replicas may take. */
  timeoutMs: number;
  onProgress?: (text: string) => void;
  signal?: AbortSignal;
  /** Plan only: return the plan's text, change nothing. */
  dryRun?: boolean;
}

export interface ChangeResult {
  name: string;
  /** What changed, for people (e.g. `2 → 4 replicas (add 3 4)`). */
  summary: string;
  /** The plan's text (what was done, or with dryRun what would be). */
  plan: string;
  /** For people: what the change could not clean up, and the like. */
  notes: string[];
}

/** Container IDs by name, of everything observed (what plans refer to). */
export function knownIds(snapshot: Snapshot): Map<string, string> {
  const ids = new Map<string, string>();
  for (const s of snapshot.services) {
    for (const c of [...(s.lb ? [s.lb] : []), ...s.replicas, ...s.others]) ids.set(c.name, c.id);
    for (const r of s.records) ids.set(r.name, r.id);
  }
  for (const g of snapshot.groups) for (const r of g.records) ids.set(r.name, r.id);
  return ids;
}

export function context(core: Core, opts: RunOptions): Context {
  return { ...core, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress, signal: opts.signal };
}

/** Execute (or, dry, describe) a plan; undefined plans change nothing. */
export async function runPlan(
  core: Core,
  snapshot: Snapshot,
  plan: Plan | undefined,
  opts: RunOptions,
  result: { name: string; summary: string },
): Promise<ChangeResult> {
  if (!plan) return { ...result, plan: '', notes: [] };
  const text = describePlan(plan);
  if (opts.dryRun) return { ...result, plan: text, notes: plan.notes };
  const outcome = await execute(context(core, opts), plan, knownIds(snapshot));
  return { ...result, plan: text, notes: [...plan.notes, ...outcome.notes] };
}

export interface CreateOptions extends RunOptions {
  lbImage: string;
  pull: PullPolicy;
  /** Return only once every replica passed a health check in the load balancer. */
  wait: boolean;
  /** Containers on this engine (default), or services of the swarm it manages. */
  backend?: Backend;
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
  if (opts.backend === 'swarm')
    return (await import('../backends/swarm/operations.js')).swarmCreate(core, spec, opts);
  const { engine, tenant } = core;
  const created = rfc3339Nano();
  opts.onProgress?.('reading the engine');
  const [snapshot, info, ...present] = await Promise.all([
    observe(engine, tenant),
    engine.info(),
    ...[spec.Image, opts.lbImage].map((image) => engine.imageExists(image)),
  ]);
  const missingImages = [spec.Image, opts.lbImage].filter((_, i) => !present[i]);
  const plan = planCreate(
    spec,
    { tenant, lbImage: opts.lbImage, pull: opts.pull, engineCpus: info.cpus, created, missingImages },
    snapshot,
  );
  const state = { tenant, created, status: 'created' as const };
  if (opts.dryRun) {
    const message = 'Dry run: the service would be created; nothing was changed';
    const service = toServiceJson(spec, { ...state, ip: '', message, containers: null });
    return { service, plan: describePlan(plan), notes: plan.notes };
  }
  const outcome = await execute(context(core, opts), plan, knownIds(snapshot));
  const lbId = outcome.ids.get(names.lb(tenant, spec.Name)) as string;
  if (opts.wait) {
    opts.onProgress?.(`waiting for ${spec.Replicas} replicas to be UP`);
    try {
      await core.lb.waitUp(lbId, replicaNumbers(spec.Replicas).map(serverName), context(core, opts));
    } catch (err) {
      if (err instanceof SvcError && !(err instanceof InterruptedError)) {
        err.message += '; the service was created and is left as it is';
        err.hint = { kind: 'remove', service: spec.Name };
      }
      throw err;
    }
  }
  const lb = await engine.inspectContainer(lbId);
  const service = toServiceJson(spec, {
    ...state,
    ip: lb.addresses[names.network(tenant)] ?? '',
    message: 'Service is created',
    containers: replicaNumbers(spec.Replicas).map(
      (n) => outcome.ids.get(names.replica(tenant, spec.Name, n)) as string,
    ),
  });
  return { service, plan: describePlan(plan), notes: [...plan.notes, ...outcome.notes] };
}

export async function scaleService(
  core: Core,
  name: string,
  target: number,
  opts: RunOptions,
): Promise<ChangeResult> {
  const [snapshot, info] = await Promise.all([observe(core.engine, core.tenant), core.engine.info()]);
  const s = findService(snapshot, name);
  if (s.backend === 'swarm')
    return (await import('../backends/swarm/operations.js')).swarmScale(core, snapshot, s, target, opts);
  const c = changeable(s, snapshot);
  const numbers = planScale(
    c.service.replicas.map((r) => ({ number: r.number, running: r.state === 'running' })),
    target,
  );
  const plan = planScaleSteps(c, target, { engineCpus: info.cpus });
  const summary = `${c.spec.Replicas} → ${target} replicas (${describeScale(numbers)})`;
  return runPlan(core, snapshot, plan, opts, { name, summary });
}

export async function rollingUpdate(
  core: Core,
  name: string,
  target: { image: string } | { rollback: true },
  opts: RunOptions,
): Promise<ChangeResult> {
  const [snapshot, info] = await Promise.all([observe(core.engine, core.tenant), core.engine.info()]);
  const s = findService(snapshot, name);
  if (s.backend === 'swarm')
    return (await import('../backends/swarm/operations.js')).swarmRollingUpdate(
      core,
      snapshot,
      s,
      target,
      opts,
    );
  const c = changeable(s, snapshot);
  const image = 'image' in target ? target.image : rollbackImage(c);
  if (!opts.dryRun && !(await core.engine.imageExists(image))) {
    opts.onProgress?.(`pulling ${image}`);
    try {
      await core.engine.pullImage(image);
    } catch (err) {
      if (err instanceof SvcError && err.status === 503) throw err;
      throw new NotFoundError(
        `image "${image}" is not present and could not be pulled: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  const plan = planRollingUpdate(c, image, { engineCpus: info.cpus });
  const replaced = plan ? plan.phases.flat().filter((s) => s.op === 'start').length : 0;
  const summary = `${c.spec.Image} → ${image}, ${replaced} replicas replaced`;
  return runPlan(core, snapshot, plan, opts, { name, summary });
}

/** `fip` "" detaches. */
export async function setFip(core: Core, name: string, fip: string, opts: RunOptions): Promise<ChangeResult> {
  const snapshot = await observe(core.engine, core.tenant);
  const s = findService(snapshot, name);
  if (s.backend === 'swarm')
    return (await import('../backends/swarm/operations.js')).swarmFip(core, snapshot, s, fip, opts);
  const c = changeable(s, snapshot);
  const plan = planFip(c, fip);
  const summary = fip
    ? `published on ${fip}:${c.spec.ServicePort}`
    : `unpublished from ${c.spec.FIP || '(none)'}`;
  return runPlan(core, snapshot, plan, opts, { name, summary });
}

/** `pem`: a checked SSLCert (certificate chain + key). */
export async function updateCert(
  core: Core,
  name: string,
  pem: string,
  opts: RunOptions,
): Promise<ChangeResult> {
  const snapshot = await observe(core.engine, core.tenant);
  const s = findService(snapshot, name);
  if (s.backend === 'swarm')
    return (await import('../backends/swarm/operations.js')).swarmUpdateCert(core, snapshot, s, pem, opts);
  const c = changeable(s, snapshot);
  const plan = planUpdateCert(c, pem);
  const summary = `certificate ${c.spec.SSLCert} → ${describeCertificate(pem)}`;
  return runPlan(core, snapshot, plan, opts, { name, summary });
}
