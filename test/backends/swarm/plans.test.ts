/**
 * The swarm backend's pure parts: the spec as Swarm services (the mapping docs/swarm.md states), its
 * observation back into the core's shape, and every plan's text (golden files in golden/).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planSwarmApply } from '../../../src/backends/swarm/apply-plan.js';
import { swarmBackend } from '../../../src/backends/swarm/index.js';
import { planSwarmAllow, planSwarmFip, planSwarmUpdateCert } from '../../../src/backends/swarm/lb-plans.js';
import { readSwarm, type SwarmObserved } from '../../../src/backends/swarm/observe.js';
import {
  checkSwarmSpec,
  nextReplicas,
  planSwarmCreate,
  planSwarmRemoval,
  planSwarmRollingUpdate,
  planSwarmScale,
  recordLabels,
  runningImage,
  type SwarmPlanContext,
  swarmChangeable,
} from '../../../src/backends/swarm/plans.js';
import {
  lbConfigText,
  lbService,
  mountedVolumes,
  replicasService,
} from '../../../src/backends/swarm/specs.js';
import { diffSpecs } from '../../../src/core/plan/spec-diff.js';
import { changeable } from '../../../src/core/services.js';
import { computeStatus } from '../../../src/core/status.js';
import { describePlan, type Plan } from '../../../src/core/steps.js';
import type { Labels } from '../../../src/engine/engine.js';
import type { ServiceSpecJson, SwarmService, SwarmTask } from '../../../src/engine/swarm.js';
import { LABEL } from '../../../src/model/naming.js';
import { specHash } from '../../../src/model/spec-hash.js';
import { specNamed, TENANT } from '../../support/containers.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
function golden(name: string, plan: Plan | undefined): void {
  const text = plan ? `${describePlan(plan)}\n` : '(nothing to do)\n';
  const file = join(GOLDEN, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const ctx: SwarmPlanContext = {
  tenant: TENANT,
  nodeId: 'node1',
  engineCpus: 2,
  lbImage: 'haproxy:lts-alpine',
  lbOwner: { uid: 99, gid: 99 },
  created: '2016-10-08T13:12:15.405946064Z',
};
const web = specNamed('web', {
  ServicePort: 8080,
  ContainerPort: 80,
  Replicas: 2,
  FIP: '0.0.0.0',
  Env: ['A=1'],
  Volumes: ['data:/d', '/srv:/s:ro'],
  Cmd: ['serve'],
});

/** The labels a service's tasks' containers get (its task template's). */
const containerLabels = (spec: ServiceSpecJson | undefined): Labels =>
  (spec?.TaskTemplate as { ContainerSpec?: { Labels?: Labels } } | undefined)?.ContainerSpec?.Labels ?? {};

/** The swarm's answer for a created service: its two services and a running task a replica. */
function swarmOf(spec = web, image = spec.Image, context = ctx): SwarmObserved[] {
  const cert = spec.SSLCert ? 'web-lb-b8dc3686-cert-r1' : undefined;
  const creates = [
    replicasService(spec, context, recordLabels(spec, TENANT, 1, ctx.created)),
    lbService(spec, ctx, ctx.lbImage, { config: 'web-lb-b8dc3686-cfg-r1', cert, owner: ctx.lbOwner }),
  ];
  const services: SwarmService[] = creates.map((sp, i) => ({
    id: `svc${i}`,
    name: sp.Name,
    version: 10,
    labels: sp.Labels,
    spec: sp,
    updateState: '',
    updateMessage: '',
    updateStarted: '',
    ports: [],
    virtualIps: { net: '10.0.3.4' },
    created: 1,
    updated: '2016-10-08T13:12:15.405946064Z',
  }));
  const task = (serviceId: string, slot: number): SwarmTask => ({
    id: `t-${serviceId}-${slot}`,
    serviceId,
    slot,
    nodeId: 'node1',
    state: 'running',
    desiredState: 'running',
    error: '',
    containerId: `c${serviceId}${slot}`.padEnd(64, '0'),
    image,
    labels: containerLabels(services.find((s) => s.id === serviceId)?.spec),
    updated: '2026-12-01T00:00:00Z',
  });
  const replicas = services.find((s) => s.labels[LABEL.role] === 'replica') as SwarmService;
  const lb = services.find((s) => s.labels[LABEL.role] === 'lb') as SwarmService;
  const tasks = [
    ...Array.from({ length: spec.Replicas }, (_, i) => task(replicas.id, i + 1)),
    task(lb.id, 1),
  ];
  return readSwarm(swarmBackend, TENANT, services, tasks, [
    { id: 'node1', hostname: 'vm', role: 'manager', state: 'ready', address: '127.0.0.1' },
  ]);
}

/** A created service, checked that it can be changed. */
const change = (spec = web, image = spec.Image, context = ctx) =>
  swarmChangeable(changeable(swarmOf(spec, image, context)[0] as SwarmObserved));

describe('the spec as Swarm services', () => {
  it("maps every container field into the task template (named volumes as the tenant's), the size into limits, and rolls with rollback", () => {
    const r = replicasService(web, ctx, { [LABEL.spec]: '{}' });
    expect(r).toMatchObject({
      Name: `web-${TENANT.slice(0, 8)}`,
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: { Parallelism: 1, FailureAction: 'rollback', Order: 'start-first' },
      EndpointSpec: { Mode: 'dnsrr' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          Args: ['serve'],
          Env: ['A=1'],
          Mounts: [
            {
              Type: 'volume',
              Source: `svc-${TENANT}_data`,
              Target: '/d',
              ReadOnly: false,
              VolumeOptions: {
                Labels: {
                  [LABEL.managed]: '1',
                  [LABEL.tenant]: TENANT,
                  [LABEL.role]: 'volume',
                  [LABEL.volume]: 'data',
                },
              },
            },
            { Type: 'bind', Source: '/srv', Target: '/s', ReadOnly: true },
          ],
        },
        Resources: { Limits: { MemoryBytes: 512 * 1024 * 1024, NanoCPUs: 1e9, Pids: 512 } },
      },
    });
    expect(r.Labels).toMatchObject({ [LABEL.backend]: 'swarm', [LABEL.role]: 'replica', [LABEL.spec]: '{}' });
    // What a later change reads back: the volumes its tasks mount.
    expect(mountedVolumes(r)).toEqual([`svc-${TENANT}_data`]);
  });

  it("gives HealthCheckPath to the task as its Docker health check (Swarm's gate), none without it", () => {
    const spec = { ...web, HealthCheckPath: "/ready?it's" };
    const check = replicasService(spec, ctx, {}).TaskTemplate as { ContainerSpec: { Healthcheck: unknown } };
    expect(check.ContainerSpec.Healthcheck).toEqual({
      Test: [
        'CMD-SHELL',
        `if command -v wget >/dev/null 2>&1; then wget -q -O /dev/null --header 'Host: web' 'http://127.0.0.1:${web.ContainerPort}/ready?it'\\''s'; ` +
          `elif command -v curl >/dev/null 2>&1; then curl -fs -o /dev/null -H 'Host: web' 'http://127.0.0.1:${web.ContainerPort}/ready?it'\\''s'; else exit 0; fi`,
      ],
      Interval: 1e9,
      Timeout: 2e9,
      Retries: web.HealthCheckFall,
      StartPeriod: 60e9,
    });
    const none = replicasService(web, ctx, {}).TaskTemplate as { ContainerSpec: { Healthcheck?: unknown } };
    expect(none.ContainerSpec.Healthcheck).toBeUndefined();
  });

  it('runs the load balancer pinned to this node, publishing in host mode, its files from configs and secrets', () => {
    const lb = lbService(web, ctx, 'haproxy:lts', {
      config: 'cfg',
      cert: 'cert',
      owner: { uid: 99, gid: 99 },
    });
    expect(lb).toMatchObject({
      TaskTemplate: {
        ContainerSpec: {
          Command: ['haproxy'],
          Args: ['-W', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg'],
          Configs: [
            {
              File: { Name: '/usr/local/etc/haproxy/haproxy.cfg', UID: '0', Mode: 0o444 },
              ConfigName: 'cfg',
            },
          ],
          Secrets: [
            {
              File: { Name: '/usr/local/etc/haproxy/certs/service.pem', UID: '99', GID: '99', Mode: 0o400 },
              SecretName: 'cert',
            },
          ],
        },
        Placement: { Constraints: ['node.id == node1'] },
        Networks: [{ Target: `svc-${TENANT}-swarm`, Aliases: ['web'] }],
      },
      EndpointSpec: { Ports: [{ TargetPort: 8080, PublishedPort: 8080, PublishMode: 'host' }] },
    });
    expect(lbConfigText(web, TENANT)).toMatch(
      /^ {4}server-template r 1-1000 tasks\.web-b8dc3686:80 check .* resolvers docker init-addr none/m,
    );
  });

  it('needs the image user only for a certificate (reading it costs a container)', () => {
    expect(() => lbService(web, ctx, 'haproxy:lts', { config: 'cfg', cert: 'cert' })).toThrow(
      /owner of the certificate file/,
    );
    const plain = lbService(web, ctx, 'haproxy:lts', { config: 'cfg' });
    expect(plain.TaskTemplate).toMatchObject({ ContainerSpec: { Secrets: [] } });
    const noOwner = { ...ctx, lbOwner: undefined };
    expect(() => planSwarmCreate({ ...web, SSLCert: '' }, noOwner, [])).not.toThrow();
  });

  it('refuses what Swarm cannot honour', () => {
    expect(() => checkSwarmSpec({ ...web, FIP: '127.0.0.1' })).toThrow(
      /cannot be honoured on Swarm.*0\.0\.0\.0/,
    );
    expect(() => checkSwarmSpec({ ...web, FIP: '0.0.0.0' })).not.toThrow();
  });
});

describe('observing Swarm services', () => {
  it('reads the two services and their tasks as one service, with the same status as locally', () => {
    const [s] = swarmOf();
    expect(s?.backend).toBe('swarm');
    expect(s?.replicas.map((r) => [r.number, r.state])).toEqual([
      [1, 'running'],
      [2, 'running'],
    ]);
    expect(s?.current?.spec?.Name).toBe('web');
    expect(s?.lb?.addresses[`svc-${TENANT}-swarm`]).toBe('10.0.3.4');
    expect(computeStatus(s as never)).toMatchObject({ status: 'active', up: 2, desired: 2 });
  });
});

describe('outdated replicas on Swarm', () => {
  it('a task whose container was made from another spec is outdated', () => {
    const [s] = swarmOf();
    expect(s?.replicas.map((r) => r.outdated)).toEqual([false, false]);
    const tasks = (s as SwarmObserved).parts.tasks.map((t) =>
      t.slot === 2
        ? { ...t, labels: { ...t.labels, [LABEL.specHash]: specHash({ ...web, Image: 'old' }) } }
        : t,
    );
    const services = [s?.parts.replicas, s?.parts.lb].filter((x): x is SwarmService => x !== undefined);
    const [again] = readSwarm(swarmBackend, TENANT, services, tasks, []);
    expect(again?.replicas.map((r) => [r.number, r.outdated])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

describe('Swarm plans, as text', () => {
  it('create', () => golden('create', planSwarmCreate({ ...web, SSLCert: '' }, ctx, [])));
  it('scale', () => golden('scale', planSwarmScale(change(), 5, ctx)));
  it('rolling update', () => golden('rolling-update', planSwarmRollingUpdate(change(), 'app:2', ctx)));
  it('fip', () => golden('detach-fip', planSwarmFip(change(), '', ctx)));
  it('update-cert', () => {
    const https = { ...web, Protocol: 'httpsTerm' as const, SSLCert: 'PEM' };
    golden('update-cert', planSwarmUpdateCert(change(https), 'NEW PEM', ctx));
  });
  it('allow list', () => golden('allow', planSwarmAllow(change(), ['10.0.0.0/8'], ctx)));
  it('apply: Env a rolling service update; Replicas a plain one; load balancer fields a new config', () => {
    const apply = (next: typeof web, force = false) =>
      planSwarmApply(
        change(),
        next,
        { ...ctx, allow: undefined },
        {
          parallelism: 1,
          force,
          changes: diffSpecs(web, next),
        },
      );
    expect(apply(web)).toBeUndefined();
    golden('apply-env', apply({ ...web, Env: ['A=2'] }));
    golden('apply-replicas', apply({ ...web, Replicas: 4 }));
    golden('apply-load-balancer', apply({ ...web, Algorithm: 'leastconn' }));
    golden('apply-force', apply(web, true));
    // HealthCheckPath is the tasks' health check on Swarm: a new config and the tasks rolled.
    golden('apply-health-check-path', apply({ ...web, HealthCheckPath: '/healthz' }));
    const forced = apply(web, true)?.phases.flat()[0];
    expect(forced?.op === 'backend' && forced.describe()).toMatch(/rolling update/);
  });
  it('rm', () =>
    golden(
      'remove',
      planSwarmRemoval((swarmOf()[0] as SwarmObserved).parts, [
        { kind: 'config', name: 'web-lb-b8dc3686-cfg-r1' },
      ]),
    ));
});

describe('images pinned to a digest', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const pinned = { ...ctx, replicaImage: `nginx@${digest}` };
  const imageOf = (spec: ServiceSpecJson) => runningImage({ spec } as SwarmService);

  it('create: the tasks run the pinned reference; the spec and the labels keep the image asked for', () => {
    expect(imageOf(replicasService(web, pinned, {}))).toBe(`nginx@${digest}`);
    const [s] = swarmOf(web, 'nginx', pinned);
    expect(s?.current?.spec?.Image).toBe('nginx');
    expect(s?.replicas.map((r) => r.image)).toEqual(['nginx', 'nginx']);
  });

  it('a change that keeps the image (scale, FIP, allow list) keeps the digest the release runs', () => {
    const c = change(web, 'nginx', pinned);
    expect(imageOf(nextReplicas(c, { ...c.spec, Replicas: 5 }, ctx))).toBe(`nginx@${digest}`);
  });

  it('a new image runs as resolved, else as asked, and the reference the release before ran is kept', () => {
    const c = change(web, 'nginx', pinned);
    const next = `app:2@sha256:${'cd'.repeat(32)}`;
    const updated = nextReplicas(c, { ...c.spec, Image: 'app:2' }, { ...ctx, replicaImage: next }, 'nginx');
    expect(imageOf(updated)).toBe(next);
    expect(updated.Labels).toMatchObject({
      [LABEL.previousImage]: 'nginx',
      [LABEL.previousRun]: `nginx@${digest}`,
    });
    expect(imageOf(nextReplicas(c, { ...c.spec, Image: 'app:2' }, ctx, 'nginx'))).toBe('app:2');
    c.replicas.labels[LABEL.previousRun] = `app:1@${digest}`;
    expect(nextReplicas(c, { ...c.spec, Replicas: 5 }, ctx).Labels[LABEL.previousRun]).toBe(
      `app:1@${digest}`,
    );
  });

  it("a task's image is the one its label names (a reference the user pinned stays whole)", () => {
    const own = `reg.example.com/app@${digest}`;
    const [s] = swarmOf({ ...web, Image: own }, 'reg.example.com/app');
    expect(s?.replicas.map((r) => r.image)).toEqual([own, own]);
    expect(computeStatus(s as never)).toMatchObject({ status: 'active' });
  });
});
