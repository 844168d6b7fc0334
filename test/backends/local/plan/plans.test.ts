/**
 * Every operation's plan in its text form, against golden files (test/core/plan/golden/*.txt;
 * UPDATE_GOLDEN=1 rewrites them). The plans are pure: the same snapshot and request always give
 * the same text.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { changeable, engineFinishesStops } from '../../../../src/backends/local/plan/change.js';
import { type CreateContext, planCreate } from '../../../../src/backends/local/plan/create.js';
import { planFip } from '../../../../src/backends/local/plan/fip.js';
import { planRemoval } from '../../../../src/backends/local/plan/remove.js';
import { planRollingUpdate } from '../../../../src/backends/local/plan/rolling-update.js';
import { planScaleSteps } from '../../../../src/backends/local/plan/scale.js';
import { planUpdateCert } from '../../../../src/backends/local/plan/update-cert.js';
import type { Snapshot } from '../../../../src/core/backend.js';
import { planGroup } from '../../../../src/core/groups.js';
import { planRemoveGroup } from '../../../../src/core/plan/security-groups.js';
import { describePlan, type Plan } from '../../../../src/core/steps.js';
import type { ContainerSummary } from '../../../../src/engine/engine.js';
import { formatNumbers, LABEL } from '../../../../src/model/naming.js';
import type { SecurityGroup } from '../../../../src/model/security-group.js';
import {
  lbOf,
  readSnapshot,
  recordOf,
  replicaOf,
  serviceOf,
  specNamed,
  TENANT,
} from '../../../support/containers.js';
import { FakeWorld, fakeCore } from '../../../support/fake-engine.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, plan: Plan | undefined): void {
  const text = plan ? `${describePlan(plan)}\n` : '(nothing to do)\n';
  const file = join(GOLDEN, `${name}.txt`);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    if (!UPDATE) throw new Error(`wrote the missing golden file ${file}; check it and run again`);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** What the local plans get from the engine: its CPUs, and that it finishes a stop by itself. */
const CTX = { engineCpus: 2, detachStops: true };

const snap = (containers: ContainerSummary[]): Snapshot =>
  readSnapshot(TENANT, containers, 1e10, () => false);
const web = specNamed('web', { ServicePort: 8080, Replicas: 2 });
const one = (containers: ContainerSummary[]) => {
  const s = snap(containers);
  return { snapshot: s, c: changeable(s.services[0] as NonNullable<(typeof s.services)[0]>, s) };
};

const office: SecurityGroup = {
  name: 'office',
  description: 'from the office',
  rules: [
    {
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 8080,
      port_range_max: 8080,
      remote_ip_prefix: '10.0.0.0/8',
      remote_group_name: '',
    },
  ],
};

function groupRecord(g: SecurityGroup, revision = 1): ContainerSummary {
  return {
    id: `sg${revision}`.padEnd(64, '0'),
    name: `svc-sg_${g.name}_rev${revision}_${TENANT.slice(0, 8)}`,
    image: 'haproxy:lts-alpine',
    state: 'created',
    labels: {
      [LABEL.managed]: '1',
      [LABEL.tenant]: TENANT,
      [LABEL.role]: 'security-group',
      [LABEL.revision]: String(revision),
      [LABEL.securityGroup]: g.name,
      [LABEL.securityGroupSpec]: JSON.stringify(g),
    },
    created: 1,
    addresses: {},
    ports: [],
  };
}

const createCtx: CreateContext = {
  tenant: TENANT,
  lbImage: 'haproxy:lts-alpine',
  pull: 'missing',
  engineCpus: 2,
  created: '2016-10-08T13:12:15.405946064Z',
  missingImages: ['nginx'],
};

describe('plans, as text', () => {
  it('create: pull, network, the load balancer first (the lock), started beside its replicas once they joined', () => {
    golden('create', planCreate({ ...web, FIP: '127.0.0.1' }, createCtx, snap([])));
  });

  it('create with security groups: the allow list is written before the load balancer starts', () => {
    golden(
      'create-security-groups',
      planCreate(
        { ...web, SecurityGroups: ['office'] },
        { ...createCtx, missingImages: [] },
        snap([groupRecord(office)]),
      ),
    );
  });

  it('scale up: new replicas must pass a check before the commit', () => {
    golden('scale-up', planScaleSteps(one(serviceOf(web)).c, 4, CTX).plan);
  });

  it('scale down: leaving replicas leave the config and drain before the commit; stopped after', () => {
    golden('scale-down', planScaleSteps(one(serviceOf({ ...web, Replicas: 3 })).c, 1, CTX).plan);
  });

  it('scale to the same number: nothing to do; with a replica removed by hand, it is re-created', () => {
    golden('scale-same', planScaleSteps(one(serviceOf(web)).c, 2, CTX).plan);
    const [lb, record, r1] = serviceOf(web);
    golden('scale-repair', planScaleSteps(one([lb, record, r1] as ContainerSummary[]).c, 2, CTX).plan);
  });

  it('rolling update: one at a time, old replicas kept running until all new ones are UP', () => {
    golden(
      'rolling-update',
      planRollingUpdate(one(serviceOf({ ...web, Replicas: 3 })).c, 'app:2', { ...CTX, parallelism: 1 }),
    );
  });

  it('rolling update --parallelism 2: every new replica starts at once, they join two at a time', () => {
    golden(
      'rolling-update-parallelism-2',
      planRollingUpdate(one(serviceOf({ ...web, Replicas: 3 })).c, 'app:2', { ...CTX, parallelism: 2 }),
    );
  });

  it('the old replicas are retired: waited for 5 s at most where the engine finishes a stop, else their whole StopTimeout', () => {
    const { c } = one(serviceOf({ ...web, StopTimeout: 30 }));
    const retires = (p: Plan | undefined) => p?.cleanup.flat().filter((st) => st.op === 'retire');
    expect(retires(planScaleSteps(c, 1, CTX).plan)).toEqual([
      { op: 'retire', name: 'web-2-b8dc3686', graceSeconds: 30, waitSeconds: 1 },
    ]);
    expect(retires(planScaleSteps(c, 1, { ...CTX, detachStops: false }).plan)).toEqual([
      { op: 'retire', name: 'web-2-b8dc3686', graceSeconds: 30 },
    ]);
    const quick = one(serviceOf({ ...web, StopTimeout: 1 })).c;
    // A grace within the wait: the command waits for the stop itself.
    expect(retires(planRollingUpdate(quick, 'app:2', { ...CTX, parallelism: 1 }))).toEqual([
      { op: 'retire', name: 'web-1-b8dc3686', graceSeconds: 1 },
      { op: 'retire', name: 'web-2-b8dc3686', graceSeconds: 1 },
    ]);
  });

  it('a stop is left to the engine only where it finishes one whose client went (Docker ≤ 20.10, ≥ 25)', () => {
    for (const v of ['20.10.24+dfsg1', '19.03.15', '25.0.3', '27.3.1', '29.1.0'])
      expect(engineFinishesStops(v)).toBe(true);
    for (const v of ['23.0.1', '24.0.7', '', 'podman', 'v5']) expect(engineFinishesStops(v)).toBe(false);
  });

  it('replicas left over from a change (not in the config) are never kept: scale and rolling-update retire them', () => {
    // A rolling update 1,2,3 → 4,5,6 whose command was killed after the commit: the old replicas
    // still run, the desired state's servers are 4 5 6.
    const next = { ...web, Replicas: 3, Image: 'app:2' };
    const record = recordOf(next, 3, TENANT, { [LABEL.servers]: formatNumbers([4, 5, 6]) });
    const old = [1, 2, 3].map((n) => replicaOf('web', n));
    const fresh = [4, 5, 6].map((n) => ({
      ...replicaOf('web', n),
      labels: { ...replicaOf('web', n).labels, [LABEL.image]: 'app:2' },
    }));
    const { c } = one([lbOf('web'), record, ...old, ...fresh]);
    golden('scale-with-leftovers', planScaleSteps(c, 3, CTX).plan);
    const { numbers } = planScaleSteps(c, 2, CTX);
    expect(numbers).toMatchObject({ keep: [4, 5], remove: [1, 2, 3, 6], add: [], final: [4, 5] });
    golden('rolling-update-with-leftovers', planRollingUpdate(c, 'app:3', { ...CTX, parallelism: 3 }));
  });

  it('attach-fip and detach-fip: the load balancer replaced, its certificate copied', () => {
    golden('attach-fip', planFip(one(serviceOf(web)).c, '127.0.0.1'));
    golden('detach-fip', planFip(one(serviceOf({ ...web, FIP: '127.0.0.1' })).c, ''));
  });

  it('update-cert: checked by HAProxy and installed by a reload', () => {
    golden(
      'update-cert',
      planUpdateCert(one(serviceOf({ ...web, Protocol: 'httpsTerm', SSLCert: 'subject=CN=a' })).c, 'PEM'),
    );
  });

  it('security group update: every service using it, each with its records', async () => {
    const api = specNamed('api', { ServicePort: 8080, Replicas: 1, SecurityGroups: ['office'] });
    const s = snap([
      groupRecord(office),
      ...serviceOf({ ...web, SecurityGroups: ['office'] }),
      ...serviceOf(api),
    ]);
    const narrower = {
      ...office,
      rules: [{ ...(office.rules[0] as SecurityGroup['rules'][0]), remote_ip_prefix: '10.1.0.0/16' }],
    };
    const core = fakeCore(new FakeWorld(), TENANT);
    const { plan } = await planGroup(core, s, narrower, 'update', {
      timeoutMs: 0,
      image: 'haproxy:lts-alpine',
    });
    golden('sg-update', plan);
    expect(() => planRemoveGroup(s, 'office')).toThrow(/used by services api, web/);
  });

  it('rm and rm --keep', () => {
    const s = snap([...serviceOf(web), recordOf(web, 2)]).services[0];
    if (!s) throw new Error('no service');
    golden('remove', planRemoval(s, { keep: false, graceSeconds: 10 }));
    golden('remove-keep', planRemoval(s, { keep: true, graceSeconds: 10 }));
  });

  it("StopTimeout: the replicas' own, and the grace of those that leave (scale down, rolling update, rm)", () => {
    const slow = { ...web, Replicas: 3, StopTimeout: 42 };
    const stops = (p: Plan | undefined) =>
      [...(p?.phases.flat() ?? []), ...(p?.cleanup.flat() ?? [])].flatMap((st) =>
        st.op === 'stop' || st.op === 'retire' ? [`${st.name} ${st.graceSeconds}`] : [],
      );
    const { c } = one(serviceOf(slow));
    expect(stops(planScaleSteps(c, 1, CTX).plan)).toEqual(['web-2-b8dc3686 42', 'web-3-b8dc3686 42']);
    const update = planRollingUpdate(c, 'app:2', { ...CTX, parallelism: 1 });
    expect(stops(update)).toEqual(['web-1-b8dc3686 42', 'web-2-b8dc3686 42', 'web-3-b8dc3686 42']);
    const created = update?.phases.flat().flatMap((st) => (st.op === 'create' ? [st.container] : []));
    expect(created?.filter((ct) => ct.labels[LABEL.role] === 'replica').map((ct) => ct.stopTimeout)).toEqual([
      42, 42, 42,
    ]);
    const s = snap(serviceOf(slow)).services[0];
    if (!s) throw new Error('no service');
    // rm: the load balancer 10 s, the replicas their StopTimeout; --timeout for all.
    expect(stops(planRemoval(s, { keep: false }))).toEqual([
      'web-lb-b8dc3686 10',
      'web-1-b8dc3686 42',
      'web-2-b8dc3686 42',
      'web-3-b8dc3686 42',
    ]);
    expect(stops(planRemoval(s, { keep: false, graceSeconds: 0 }))).toEqual([
      'web-lb-b8dc3686 0',
      'web-1-b8dc3686 0',
      'web-2-b8dc3686 0',
      'web-3-b8dc3686 0',
    ]);
  });

  it('refuses a service being changed, one with its load balancer stopped, and one half-made', () => {
    // Written by a command on another host a moment ago (now = 0): it may still run.
    const lock = recordOf(web, 2, TENANT, {
      [LABEL.operation]: 'scale',
      [LABEL.operationOwner]: 'elsewhere/1',
    });
    const busy = readSnapshot(TENANT, [...serviceOf(web), lock], 0);
    expect(() => changeable(busy.services[0] as never, busy)).toThrow(/being changed \(scale\)/);
    const stopped = snap([lbOf('web', 'exited'), recordOf(web), replicaOf('web', 1)]);
    expect(() => changeable(stopped.services[0] as never, stopped)).toThrow(
      /load balancer of "web" is exited/,
    );
    const half = snap([replicaOf('web', 1)]);
    expect(() => changeable(half.services[0] as never, half)).toThrow(/incomplete/);
  });

  it('an interrupted operation (its command gone) leaves the record before it as the desired state', () => {
    const s = snap([
      ...serviceOf(web),
      recordOf({ ...web, Image: 'broken' }, 2, TENANT, {
        [LABEL.operation]: 'rolling-update',
        [LABEL.operationOwner]: 'elsewhere/1',
      }),
    ]);
    const svc = s.services[0];
    expect(svc?.interrupted?.operation).toBe('rolling-update');
    expect(svc?.current?.spec?.Image).toBe('nginx');
    // A later scale starts replicas of the image the service had, never the interrupted one's.
    golden('scale-after-interrupted-update', planScaleSteps(changeable(svc as never, s), 3, CTX).plan);
  });
});
