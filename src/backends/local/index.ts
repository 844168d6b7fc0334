/**
 * The local backend: a service is containers on this engine (its load balancer, replicas and
 * records) on the tenant's bridge network, changed by the engine's and the load balancer
 * driver's steps.
 */
import type { Backend, ChangeEnv, Snapshot } from '../../core/backend.js';
import { ensureImage } from '../../core/images.js';
import { allowFor } from '../../core/plan/security-groups.js';
import { refusePlainVolumes } from '../../model/volumes.js';
import { describeCertificate } from '../../spec/ssl-cert.js';
import { localLogs } from './logs.js';
import { readLocal } from './observe.js';
import { planLocalCreate, removeNetworkIfUnused } from './operations.js';
import { type Changeable, changeable, engineFinishesStops, recordSteps } from './plan/change.js';
import { describeConverge, planConverge } from './plan/converge.js';
import { tenantNetworkStep } from './plan/create.js';
import { planFip } from './plan/fip.js';
import { keptReplicas, planRemoval } from './plan/remove.js';
import { keptLb, planLocalRepair, readsFiles } from './plan/repair.js';
import { planRollingUpdate } from './plan/rolling-update.js';
import { describeScale, planScaleSteps } from './plan/scale.js';
import { planUpdateCert } from './plan/update-cert.js';

const cpus = (env: ChangeEnv<undefined>) => ({ engineCpus: env.snapshot.info.cpus });
const stops = (snapshot: Snapshot) => ({
  detachStops: engineFinishesStops(snapshot.info.serverVersion),
});

/** New replicas would mount the tenant's volumes: refused while the replicas mount plain-named ones. */
const refuseOldMounts = (c: Changeable) =>
  refusePlainVolumes(
    c.service.name,
    c.spec.Volumes,
    c.service.tenant,
    c.service.replicas.flatMap((r) => r.volumes ?? []),
  );

export const localBackend: Backend<undefined> = {
  name: 'local',
  releaseMs: 0,
  onEngineHost: true,

  async observe(env) {
    return readLocal(localBackend, env.tenant, await env.containers());
  },

  planCreate: planLocalCreate,

  createHeadStart: (core, _spec, opts) => [tenantNetworkStep(core.tenant, opts.lbImage)],

  async planRepair({ core, snapshot, service: s }) {
    const lb = keptLb(s);
    const live = lb && readsFiles(s) ? await core.lb.readLive(lb.id) : undefined;
    const spec = s.current?.spec;
    const allow = spec ? allowFor(spec, snapshot) : undefined;
    return planLocalRepair(s, { allow, live, ...stops(snapshot) });
  },

  async planScale(env, target) {
    const c = changeable(env.change.service, env.snapshot);
    if (target > c.service.replicas.length) refuseOldMounts(c);
    const { plan, numbers } = planScaleSteps(c, target, { ...cpus(env), ...stops(env.snapshot) });
    if (plan?.phases.flat().some((step) => step.op === 'create' && step.role === 'replica'))
      await ensureImage(env.core.engine, c.spec.Image, env.opts.pull ?? 'missing', env.opts);
    return { plan, summary: `${c.spec.Replicas} → ${target} replicas (${describeScale(numbers)})` };
  },

  async planRollingUpdate(env, image, opts) {
    const c = changeable(env.change.service, env.snapshot);
    refuseOldMounts(c);
    const plan = planRollingUpdate(c, image, { ...cpus(env), ...stops(env.snapshot), ...opts });
    if (plan) await ensureImage(env.core.engine, image, env.opts.pull ?? 'missing', env.opts);
    const replaced = plan ? plan.phases.flat().filter((s) => s.op === 'start').length : 0;
    return { plan, summary: `${c.spec.Image} → ${image}, ${replaced} replicas replaced` };
  },

  async planApply(env, next, opts) {
    const c = changeable(env.change.service, env.snapshot);
    const pem = next.SSLCert.includes('-----BEGIN') ? next.SSLCert : '';
    const cert = pem && describeCertificate(pem) !== c.spec.SSLCert ? pem : undefined;
    const lb = { allow: allowFor(next, env.snapshot), ...(cert ? { cert } : {}) };
    const ctx = { ...cpus(env), ...stops(env.snapshot), ...opts, lb };
    const plan = planConverge(c, next, opts.changes.length > 0, ctx);
    if (plan?.phases.flat().some((s) => s.op === 'create' && s.role === 'replica')) refuseOldMounts(c);
    return { plan, summary: describeConverge(c, plan) };
  },

  async planFip(env, fip) {
    const c = changeable(env.change.service, env.snapshot);
    const summary = fip
      ? `published on ${fip}:${c.spec.ServicePort}`
      : `unpublished from ${c.spec.FIP || '(none)'}`;
    return { plan: planFip(c, fip), summary };
  },

  async planUpdateCert(env, pem) {
    const c = changeable(env.change.service, env.snapshot);
    const summary = `certificate ${c.spec.SSLCert} → ${describeCertificate(pem)}`;
    return { plan: planUpdateCert(c, pem), summary };
  },

  async planAllow(env, allow) {
    const c = changeable(env.change.service, env.snapshot);
    const records = recordSteps(c, 'security-groups', c.spec, c.servers);
    const target = { spec: c.spec, servers: c.servers, allow };
    return {
      phases: [
        [records.lock],
        [{ op: 'lb-apply', lb: c.lb, target, up: [], drain: false }],
        [records.outcome],
      ],
      cleanup: records.cleanup,
    };
  },

  async planRemoval(_core, s, opts) {
    return { plan: planRemoval(s, opts), kept: opts.keep ? keptReplicas(s) : [] };
  },

  removeNetworkIfUnused: (core, _info, notes) => removeNetworkIfUnused(core, notes),

  logs: localLogs,
};
