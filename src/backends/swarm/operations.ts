/**
 * The operations on the swarm backend, as src/core/services.ts hands them over: the same
 * observe → plan (src/swarm/plans.ts) → execute (the one executor and its journal) as locally.
 */
import { execute } from '../../core/execute.js';
import type { ObservedService, Snapshot } from '../../core/observe.js';
import { findService, observe } from '../../core/observe.js';
import { rfc3339Nano, toServiceJson } from '../../core/service-json.js';
import {
  type ChangeResult,
  type Core,
  type CreateOptions,
  type CreateResult,
  context,
  knownIds,
  type RunOptions,
  runPlan,
} from '../../core/services.js';
import { describePlan } from '../../core/steps.js';
import { InterruptedError, SvcError } from '../../errors.js';
import { names } from '../../model/naming.js';
import { describeCertificate } from '../../spec/ssl-cert.js';
import type { ServiceSpec } from '../../spec/types.js';
import { allowFor } from '../local/plan/create.js';
import { rollbackImage } from '../local/plan/rolling-update.js';
import { swarmContext } from './context.js';
import {
  checkSwarmSpec,
  planSwarmCreate,
  planSwarmFip,
  planSwarmRollingUpdate,
  planSwarmScale,
  planSwarmUpdateCert,
  swarmChangeable,
} from './plans.js';

const imageOfLb = (s: ObservedService) => s.lb?.image ?? '';

export async function swarmCreate(core: Core, spec: ServiceSpec, opts: CreateOptions): Promise<CreateResult> {
  checkSwarmSpec(spec);
  const { engine, tenant } = core;
  const created = rfc3339Nano();
  opts.onProgress?.('reading the swarm');
  const [snapshot, ctx] = await Promise.all([
    observe(engine, tenant),
    swarmContext(engine, tenant, opts.lbImage, spec, created),
  ]);
  const plan = planSwarmCreate(
    spec,
    ctx,
    snapshot.services.map((s) => s.name),
    allowFor(spec, snapshot),
  );
  const state = { tenant, created, status: 'created' as const };
  if (opts.dryRun) {
    const message = 'Dry run: the service would be created; nothing was changed';
    return {
      service: toServiceJson(spec, { ...state, ip: '', message, containers: null }),
      plan: describePlan(plan),
      notes: [],
    };
  }
  const outcome = await execute(context(core, opts), plan, knownIds(snapshot));
  if (opts.wait) {
    opts.onProgress?.(`waiting for ${spec.Replicas} replicas to be UP`);
    const wait = {
      phases: [[{ op: 'swarm-wait' as const, service: spec.Name, replicas: spec.Replicas, lbLoaded: false }]],
      cleanup: [],
      notes: [],
    };
    try {
      await execute(context(core, opts), wait);
    } catch (err) {
      if (err instanceof SvcError && !(err instanceof InterruptedError)) {
        err.message += '; the service was created and is left as it is';
        err.hint = { kind: 'remove', service: spec.Name };
      }
      throw err;
    }
  }
  const s = findService(await observe(engine, tenant), spec.Name);
  const service = toServiceJson(spec, {
    ...state,
    ip: s.lb?.addresses[names.swarmNetwork(tenant)] ?? '',
    message: 'Service is created',
    containers: s.replicas.map((r) => r.id),
  });
  return { service, plan: describePlan(plan), notes: outcome.notes };
}

export async function swarmScale(
  core: Core,
  snapshot: Snapshot,
  s: ObservedService,
  target: number,
  opts: RunOptions,
): Promise<ChangeResult> {
  const c = swarmChangeable(s);
  const info = await core.engine.info();
  const plan = planSwarmScale(c, target, { tenant: core.tenant, nodeId: '', engineCpus: info.cpus });
  return runPlan(core, snapshot, plan, opts, {
    name: s.name,
    summary: `${c.spec.Replicas} → ${target} replicas (Swarm)`,
  });
}

export async function swarmRollingUpdate(
  core: Core,
  snapshot: Snapshot,
  s: ObservedService,
  target: { image: string } | { rollback: true },
  opts: RunOptions,
): Promise<ChangeResult> {
  const c = swarmChangeable(s);
  const image =
    'image' in target ? target.image : rollbackImage({ previousImage: c.previousImage, service: s } as never);
  const info = await core.engine.info();
  const plan = planSwarmRollingUpdate(c, image, { tenant: core.tenant, nodeId: '', engineCpus: info.cpus });
  return runPlan(core, snapshot, plan, opts, {
    name: s.name,
    summary: `${c.spec.Image} → ${image} (Swarm's rolling update)`,
  });
}

export async function swarmFip(
  core: Core,
  snapshot: Snapshot,
  s: ObservedService,
  fip: string,
  opts: RunOptions,
): Promise<ChangeResult> {
  const c = swarmChangeable(s);
  const ctx = await swarmContext(core.engine, core.tenant, imageOfLb(s), c.spec);
  const plan = planSwarmFip(c, fip, ctx);
  const summary = fip
    ? `published on ${fip}:${c.spec.ServicePort} (host mode)`
    : `unpublished from ${c.spec.FIP || '(none)'}`;
  return runPlan(core, snapshot, plan, opts, { name: s.name, summary });
}

export async function swarmUpdateCert(
  core: Core,
  snapshot: Snapshot,
  s: ObservedService,
  pem: string,
  opts: RunOptions,
): Promise<ChangeResult> {
  const c = swarmChangeable(s);
  const ctx = await swarmContext(core.engine, core.tenant, imageOfLb(s), c.spec);
  const plan = planSwarmUpdateCert(c, pem, ctx);
  return runPlan(core, snapshot, plan, opts, {
    name: s.name,
    summary: `certificate ${c.spec.SSLCert} → ${describeCertificate(pem)}`,
  });
}
