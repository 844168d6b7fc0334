/**
 * The Swarm backend: a service is two services of the swarm the engine manages (its replicas,
 * and its load balancer pinned to this node), with the load balancer's files as Swarm configs and
 * secrets; Swarm runs the replicas, svc writes the specs and waits (steps.ts).
 */
import type { Backend, ChangeEnv } from '../../core/backend.js';
import { observe } from '../../core/observe.js';
import { allowFor } from '../../core/plan/security-groups.js';
import { isImageOrPinned } from '../../engine/image-reference.js';
import { LABEL } from '../../model/naming.js';
import { refusePlainVolumes } from '../../model/volumes.js';
import { describeCertificate } from '../../spec/ssl-cert.js';
import { planSwarmApply } from './apply-plan.js';
import { lbContext, managerContext, pinnedImage } from './context.js';
import { planSwarmAllow, planSwarmFip, planSwarmUpdateCert } from './lb-plans.js';
import { swarmLogs } from './logs.js';
import { SWARM } from './names.js';
import { observeSwarm, type SwarmParts } from './observe.js';
import { planRemoval, removeNetworkIfUnused } from './operations.js';
import {
  checkSwarmSpec,
  planSwarmCreate,
  planSwarmRollingUpdate,
  planSwarmScale,
  type SwarmChangeable,
  swarmChangeable,
} from './plans.js';
import { planSwarmRepair } from './repair.js';
import { mountedVolumes } from './specs.js';
import { waitUntil } from './steps.js';

/** The context of a change of the load balancer (its image, as it runs now). */
async function lbChange(env: ChangeEnv<SwarmParts>) {
  const c = swarmChangeable(env.change);
  const image = c.loadBalancer.image;
  return { c, ctx: await lbContext(env.core, env.snapshot.info, image, c.spec, env.opts) };
}

/**
 * The pinned image of a new release: going back to the image the release before ran (a
 * rollback) returns to the digest it ran, unless --pull always asks the registry again; else
 * the image is resolved (pinnedImage).
 */
function releaseImage(env: ChangeEnv<SwarmParts>, c: SwarmChangeable, image: string): Promise<string> {
  const pull = env.opts.pull ?? 'missing';
  const ran = c.replicas.labels[LABEL.previousRun];
  if (pull !== 'always' && image === c.previousImage && ran && isImageOrPinned(ran, image))
    return Promise.resolve(ran);
  return pinnedImage(env.core.engine, image, pull);
}

export const swarmBackend: Backend<SwarmParts> = {
  name: SWARM,
  releaseMs: 20_000,
  onEngineHost: false,

  observe: (env) => observeSwarm(swarmBackend, env),

  async planCreate(core, spec, opts, created) {
    checkSwarmSpec(spec);
    opts.onProgress?.('reading the swarm');
    const snapshot = await observe(core);
    managerContext(core.tenant, snapshot.info);
    const [ctx, replicaImage] = await Promise.all([
      lbContext(core, snapshot.info, opts.lbImage, spec, opts, created),
      pinnedImage(core.engine, spec.Image, opts.pull ?? 'missing'),
    ]);
    const existing = snapshot.services.map((s) => s.name);
    const plan = planSwarmCreate(spec, { ...ctx, replicaImage }, existing, allowFor(spec, snapshot));
    const replicasUp = waitUntil({ service: spec.Name, replicas: spec.Replicas, lbLoaded: false });
    return { snapshot, plan, wait: { phases: [[replicasUp]], cleanup: [], notes: [] } };
  },

  planRepair: async (env) => planSwarmRepair(env.service),

  async planScale(env, target) {
    const c = swarmChangeable(env.change);
    // Its next spec mounts the tenant's volumes: Swarm would replace every task.
    refusePlainVolumes(c.service.name, c.spec.Volumes, c.service.tenant, mountedVolumes(c.replicas.spec));
    const plan = planSwarmScale(c, target, managerContext(env.core.tenant, env.snapshot.info));
    return { plan, summary: `${c.spec.Replicas} → ${target} replicas (Swarm)` };
  },

  async planRollingUpdate(env, image, opts) {
    const c = swarmChangeable(env.change);
    // Its next spec mounts the tenant's volumes: Swarm would replace every task.
    refusePlainVolumes(c.service.name, c.spec.Volumes, c.service.tenant, mountedVolumes(c.replicas.spec));
    const ctx = managerContext(env.core.tenant, env.snapshot.info);
    const summary = `${c.spec.Image} → ${image} (Swarm's rolling update)`;
    // Nothing to do asks no registry.
    if (!planSwarmRollingUpdate(c, image, ctx, opts.parallelism, opts.force))
      return { plan: undefined, summary };
    const plan = planSwarmRollingUpdate(
      c,
      image,
      { ...ctx, replicaImage: await releaseImage(env, c, image) },
      opts.parallelism,
      opts.force,
    );
    return { plan, summary };
  },

  async planApply(env, next, opts) {
    const { c, ctx } = await lbChange(env);
    const pem = next.SSLCert.includes('-----BEGIN') ? next.SSLCert : '';
    const cert = pem && describeCertificate(pem) !== c.spec.SSLCert ? pem : undefined;
    // The release's image pinned to a digest: a tag the registry moved is another task template.
    const replicaImage = await pinnedImage(env.core.engine, next.Image, env.opts.pull ?? 'missing');
    const plan = planSwarmApply(
      c,
      next,
      { ...ctx, replicaImage, allow: allowFor(next, env.snapshot), cert },
      opts,
    );
    const fields = opts.changes.map((f) => f.field).join(', ');
    return { plan, summary: plan ? `${fields || 'replicas'} (Swarm service update)` : 'unchanged' };
  },

  async planFip(env, fip) {
    const { c, ctx } = await lbChange(env);
    const summary = fip
      ? `published on ${fip}:${c.spec.ServicePort} (host mode)`
      : `unpublished from ${c.spec.FIP || '(none)'}`;
    return { plan: planSwarmFip(c, fip, ctx), summary };
  },

  async planUpdateCert(env, pem) {
    const { c, ctx } = await lbChange(env);
    const summary = `certificate ${c.spec.SSLCert} → ${describeCertificate(pem)}`;
    return { plan: planSwarmUpdateCert(c, pem, ctx), summary };
  },

  async planAllow(env, allow) {
    const { c, ctx } = await lbChange(env);
    const p = planSwarmAllow(c, allow, ctx);
    return { phases: p.phases, cleanup: p.cleanup.flat() };
  },

  planRemoval: (core, s, opts) => planRemoval(core, s, opts.keep),

  removeNetworkIfUnused,

  logs: swarmLogs,
};
