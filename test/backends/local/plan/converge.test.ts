/**
 * `svc apply` on the local backend: the least change for each kind of field, as plan text against
 * golden files (golden/apply-*.txt), and what each keeps.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { changeable } from '../../../../src/backends/local/plan/change.js';
import { type ConvergeContext, planConverge } from '../../../../src/backends/local/plan/converge.js';
import { planRollingUpdate } from '../../../../src/backends/local/plan/rolling-update.js';
import type { Plan } from '../../../../src/core/steps.js';
import type { ContainerSummary } from '../../../../src/engine/engine.js';
import { LABEL } from '../../../../src/model/naming.js';
import { specHash } from '../../../../src/model/spec-hash.js';
import type { ServiceSpec } from '../../../../src/spec/types.js';
import { readSnapshot, serviceOf, specNamed, TENANT } from '../../../support/containers.js';
import { goldenPlan } from '../../../support/golden.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const CTX: ConvergeContext = { engineCpus: 2, detachStops: true, parallelism: 1, lb: { allow: undefined } };
const web = specNamed('web', { ServicePort: 8080, Replicas: 2, Image: 'app:1' });

/** A running service made from `spec`: its replicas carry its spec hash and run image `imageId`. */
function running(spec: ServiceSpec, imageId = 'sha256:aaaa'): ContainerSummary[] {
  const hash = specHash(spec);
  return serviceOf(spec).map((c) =>
    c.labels[LABEL.role] === 'replica'
      ? {
          ...c,
          image: spec.Image,
          labels: { ...c.labels, [LABEL.specHash]: hash, [LABEL.image]: spec.Image },
          imageId,
        }
      : c,
  );
}

function converge(next: ServiceSpec, ctx: Partial<ConvergeContext> = {}, from = web): Plan | undefined {
  const snapshot = readSnapshot(TENANT, running(from), 1e10, () => false);
  const s = snapshot.services[0];
  if (!s) throw new Error('no service');
  const c = changeable(s, snapshot);
  return planConverge(c, next, JSON.stringify(next) !== JSON.stringify(from), { ...CTX, ...ctx });
}

const ops = (plan: Plan | undefined) => [...(plan?.phases.flat() ?? []), ...(plan?.cleanup.flat() ?? [])];
const created = (plan: Plan | undefined) =>
  ops(plan).flatMap((s) =>
    s.op === 'create' && s.role !== 'record' ? [`${s.role} ${s.container.name}`] : [],
  );
const retired = (plan: Plan | undefined) => ops(plan).flatMap((s) => (s.op === 'retire' ? [s.name] : []));

describe('apply on a local service: the least change', () => {
  it('the same spec and image: nothing to do; --force replaces every replica', () => {
    expect(converge(web)).toBeUndefined();
    expect(converge(web, { imageId: 'sha256:aaaa' })).toBeUndefined();
    expect(created(converge(web, { force: true }))).toEqual([
      'replica web-3-b8dc3686',
      'replica web-4-b8dc3686',
    ]);
  });

  it('Env: a rolling replacement, each new replica UP before an old one leaves', () => {
    const plan = converge({ ...web, Env: ['MODE=2'] });
    goldenPlan(GOLDEN, 'apply-env', plan);
    expect(retired(plan)).toEqual(['web-1-b8dc3686', 'web-2-b8dc3686']);
  });

  it('Replicas: a scale, the replicas there are kept', () => {
    const plan = converge({ ...web, Replicas: 4 });
    goldenPlan(GOLDEN, 'apply-replicas', plan);
    expect(retired(plan)).toEqual([]);
    expect(created(plan)).toEqual(['replica web-3-b8dc3686', 'replica web-4-b8dc3686']);
  });

  it('load balancer fields: one checked reload, every replica kept', () => {
    const next: ServiceSpec = {
      ...web,
      Algorithm: 'leastconn',
      HealthCheckPath: '/healthz',
      HealthCheckRise: 3,
    };
    const plan = converge(next);
    goldenPlan(GOLDEN, 'apply-load-balancer', plan);
    expect(created(plan)).toEqual([]);
    expect(retired(plan)).toEqual([]);
  });

  it('FIP (with another load balancer field): the load balancer replaced, every replica kept', () => {
    const plan = converge({ ...web, FIP: '127.0.0.1', Algorithm: 'source' });
    goldenPlan(GOLDEN, 'apply-fip', plan);
    expect(created(plan)).toEqual(['lb web-lb-b8dc3686-new']);
    expect(retired(plan)).toEqual([]);
  });

  it('FIP together with a change of the replicas is refused, nothing planned', () => {
    expect(() => converge({ ...web, FIP: '127.0.0.1', Env: ['A=1'] })).toThrow(
      /FIP change .* cannot be made together/,
    );
    expect(() => converge({ ...web, FIP: '127.0.0.1', Replicas: 3 })).toThrow(/Apply the FIP change first/);
  });

  it('a tag that names another image now: every replica replaced, the spec unchanged', () => {
    const plan = converge(web, { imageId: 'sha256:bbbb' });
    goldenPlan(GOLDEN, 'apply-moved-tag', plan);
    expect(retired(plan)).toEqual(['web-1-b8dc3686', 'web-2-b8dc3686']);
  });

  it('Replicas and Env together: the new count of new replicas, every old one retired', () => {
    const up = converge({ ...web, Replicas: 3, Env: ['MODE=2'] });
    goldenPlan(GOLDEN, 'apply-env-replicas-up', up);
    expect(created(up)).toHaveLength(3);
    expect(retired(up)).toEqual(['web-1-b8dc3686', 'web-2-b8dc3686']);
    const down = converge({ ...web, Replicas: 1, Env: ['MODE=2'] });
    expect(created(down)).toEqual(['replica web-3-b8dc3686']);
    expect(retired(down)).toEqual(['web-1-b8dc3686', 'web-2-b8dc3686']);
  });

  it('rolling-update --force: the same image string, every replica replaced', () => {
    const snapshot = readSnapshot(TENANT, running(web), 1e10, () => false);
    const c = changeable(snapshot.services[0] as NonNullable<(typeof snapshot.services)[0]>, snapshot);
    expect(planRollingUpdate(c, 'app:1', CTX)).toBeUndefined();
    expect(retired(planRollingUpdate(c, 'app:1', { ...CTX, force: true }))).toEqual([
      'web-1-b8dc3686',
      'web-2-b8dc3686',
    ]);
  });

  it('--parallelism 2: new replicas join two at a time', () => {
    const from = { ...web, Replicas: 4 };
    goldenPlan(
      GOLDEN,
      'apply-env-parallelism-2',
      converge({ ...from, Cmd: ['serve'] }, { parallelism: 2 }, from),
    );
  });
});
