/**
 * The Swarm backend: a service is two services of the swarm the engine manages (its replicas,
 * and its load balancer pinned to this node), with the load balancer's files as Swarm configs and
 * secrets; Swarm runs the replicas, svc writes the specs and waits (steps.ts).
 */
import type { Backend, ChangeEnv } from '../../core/backend.js';
import { observe } from '../../core/observe.js';
import { allowFor } from '../../core/plan/security-groups.js';
import { refusePlainVolumes } from '../../model/volumes.js';
import { describeCertificate } from '../../spec/ssl-cert.js';
import { lbContext, managerContext } from './context.js';
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
  swarmChangeable,
} from './plans.js';
import { mountedVolumes } from './specs.js';
import { waitUntil } from './steps.js';

/** The context of a change of the load balancer (its image, as it runs now). */
async function lbChange(env: ChangeEnv<SwarmParts>) {
  const c = swarmChangeable(env.change);
  const image = c.loadBalancer.image;
  const present = await env.core.engine.imageExists(image);
  return { c, ctx: await lbContext(env.core, env.snapshot.info, { image, present }, c.spec) };
}

export const swarmBackend: Backend<SwarmParts> = {
  name: SWARM,
  releaseMs: 20_000,
  onEngineHost: false,

  observe: (env) => observeSwarm(swarmBackend, env),

  async planCreate(core, spec, opts, created) {
    checkSwarmSpec(spec);
    opts.onProgress?.('reading the swarm');
    const [snapshot, present] = await Promise.all([observe(core), core.engine.imageExists(opts.lbImage)]);
    const ctx = await lbContext(core, snapshot.info, { image: opts.lbImage, present }, spec, created);
    const existing = snapshot.services.map((s) => s.name);
    const plan = planSwarmCreate(spec, ctx, existing, allowFor(spec, snapshot));
    const replicasUp = waitUntil({ service: spec.Name, replicas: spec.Replicas, lbLoaded: false });
    return { snapshot, plan, wait: { phases: [[replicasUp]], cleanup: [], notes: [] } };
  },

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
    const plan = planSwarmRollingUpdate(c, image, ctx, opts.parallelism);
    return { plan, summary: `${c.spec.Image} → ${image} (Swarm's rolling update)` };
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
