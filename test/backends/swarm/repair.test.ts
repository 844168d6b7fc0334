/**
 * What a killed svc leaves on Swarm, read back (observe.ts) and repaired (repair.ts): configs
 * alone or one of the two Swarm services are an interrupted create once their maker is gone; a
 * rolling update Swarm still runs for a dead svc is interrupted (the next change waits for it),
 * for a live one under way (refused); configs no load balancer mounts, made by a dead command, go.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { swarmBackend } from '../../../src/backends/swarm/index.js';
import { planSwarmUpdateCert } from '../../../src/backends/swarm/lb-plans.js';
import { readSwarm, type SwarmObjectOf } from '../../../src/backends/swarm/observe.js';
import { madeBy, recordLabels, swarmChangeable } from '../../../src/backends/swarm/plans.js';
import { planSwarmRepair } from '../../../src/backends/swarm/repair.js';
import { lbService, replicasService } from '../../../src/backends/swarm/specs.js';
import { changeable } from '../../../src/core/services.js';
import { computeStatus } from '../../../src/core/status.js';
import { describePlan } from '../../../src/core/steps.js';
import type { ServiceSpecJson, SwarmService } from '../../../src/engine/swarm.js';
import { LABEL, serviceLabels } from '../../../src/model/naming.js';
import { specNamed, TENANT } from '../../support/containers.js';

const ctx = { tenant: TENANT, nodeId: 'node1', engineCpus: 2 };
const web = specNamed('web', { ServicePort: 8080, ContainerPort: 80, Replicas: 2, FIP: '0.0.0.0' });
const created = '2016-10-08T13:12:15.405946064Z';
const now = Math.floor(Date.now() / 1000);
/** A command that is gone: this host, a pid above any the kernel gives. */
const DEAD = `${hostname()}/4194999`;
const cfg = 'web-lb-b8dc3686-cfg-r1';

function service(id: string, spec: ServiceSpecJson, updateState = '', labels = {}): SwarmService {
  return {
    id,
    name: spec.Name,
    version: 3,
    labels: { ...spec.Labels, ...labels } as Record<string, string>,
    spec,
    updateState,
    updateMessage: '',
    updateStarted: '',
    ports: [],
    virtualIps: {},
    created: 1,
    updated: new Date().toISOString(),
  };
}

const replicas = (updateState = '', labels = {}) =>
  service('r', replicasService(web, ctx, recordLabels(web, TENANT, 1, created)), updateState, labels);
const lb = () => service('l', lbService(web, ctx, 'haproxy:lts-alpine', { config: cfg }));

function config(name: string, owner: string, operation?: string, at = now): SwarmObjectOf {
  const labels: Record<string, string> = {
    ...serviceLabels(TENANT, 'web', 'lb'),
    [LABEL.operationOwner]: owner,
  };
  if (operation) labels[LABEL.operation] = operation;
  return { id: name, name, labels, created: at, kind: 'config' };
}

const read = (services: SwarmService[], objects: SwarmObjectOf[]) =>
  readSwarm(swarmBackend, TENANT, services, [], [], objects);

describe('what a killed svc leaves on Swarm', () => {
  it('configs alone, or replicas without a load balancer: an interrupted create once their maker is gone', () => {
    for (const services of [[], [replicas()]]) {
      const [s] = read(services, [config(cfg, DEAD, 'create')]);
      expect([s?.name, s?.operation, s?.interrupted]).toEqual(['web', undefined, { operation: 'create' }]);
      expect(computeStatus(s as NonNullable<typeof s>).message).toMatch(/its create was interrupted/);
    }
  });

  it('a create still running (its maker alive) is under way, not interrupted', () => {
    const [s] = read([replicas()], [config(cfg, madeBy()[LABEL.operationOwner] as string, 'create')]);
    expect([s?.operation, s?.interrupted]).toEqual(['create', undefined]);
  });

  it("a rolling update Swarm runs for a dead svc is interrupted, and repaired by waiting for Swarm's end of it", () => {
    const owned = { [LABEL.operation]: 'rolling-update', [LABEL.operationOwner]: DEAD };
    const [s] = read([replicas('updating', owned), lb()], [config(cfg, DEAD, 'create')]);
    expect([s?.operation, s?.interrupted]).toEqual([undefined, { operation: 'rolling-update' }]);
    const repair = planSwarmRepair(s as NonNullable<typeof s>);
    expect(describePlan(repair?.plan as NonNullable<typeof repair>['plan'] & object)).toBe(
      `1. wait until Swarm ends the rolling update of web-${TENANT.slice(0, 8)}`,
    );
  });

  it('a rolling update of a live svc, or of an older one naming no owner, is under way: nothing to repair', () => {
    for (const labels of [madeBy('rolling-update'), {}]) {
      const [s] = read([replicas('updating', labels), lb()], [config(cfg, DEAD, 'create')]);
      expect(s?.operation).toBe('rolling-update');
      expect(planSwarmRepair(s as NonNullable<typeof s>)).toBeUndefined();
    }
  });

  it('configs no load balancer mounts go when their maker is gone; a live command keeps its new ones', () => {
    const live = madeBy()[LABEL.operationOwner] as string;
    const objects = [
      config(cfg, DEAD, 'create'),
      config('web-lb-b8dc3686-cert-r2', DEAD),
      config('new-r2', live),
    ];
    const [s] = read([replicas(), lb()], objects);
    const repair = planSwarmRepair(s as NonNullable<typeof s>);
    expect(repair?.plan && describePlan(repair.plan)).toBe('c1. remove swarm config web-lb-b8dc3686-cert-r2');
    expect(
      planSwarmRepair(read([replicas(), lb()], [objects[0] as SwarmObjectOf])[0] as NonNullable<typeof s>),
    ).toBeUndefined();
  });

  it('a load balancer change names its new objects past those a killed one left (its load balancer already mounts r2)', () => {
    const mounting = service(
      'l',
      lbService(web, ctx, 'haproxy:lts-alpine', { config: 'web-lb-b8dc3686-cfg-r2' }),
    );
    const objects = [config(cfg, DEAD, 'create'), config('web-lb-b8dc3686-cfg-r2', DEAD)];
    const c = swarmChangeable(
      changeable(read([replicas(), mounting], objects)[0] as NonNullable<ReturnType<typeof read>[0]>),
    );
    const text = describePlan(
      planSwarmUpdateCert(c, 'PEM', {
        ...ctx,
        lbImage: 'haproxy:lts-alpine',
        lbOwner: { uid: 99, gid: 99 },
        created,
      }),
    );
    expect(text).toContain('1. create swarm secret web-lb-b8dc3686-cert-r3');
  });
});
