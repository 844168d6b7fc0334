import { describe, expect, it } from 'vitest';
import type { ContainerSummary, Engine } from '../../src/engine/engine.js';
import { isKept, keptName, LABEL } from '../../src/service/labels.js';
import { groupServices } from '../../src/service/observe.js';
import { planRemoval, removeServices } from '../../src/service/remove-service.js';
import {
  lbOf,
  OTHER_TENANT,
  recordOf,
  replicaOf,
  serviceOf,
  specNamed,
  TENANT,
} from './observed-fixtures.js';

const names = (cs: ContainerSummary[]) => cs.map((c) => c.name);

describe('planRemoval', () => {
  it('orders a service’s objects: load balancer, replicas (and other roles), records', () => {
    const containers = [
      ...serviceOf(specNamed('web', { Replicas: 2 })),
      { ...replicaOf('web', 9), labels: { ...replicaOf('web', 9).labels, [LABEL.role]: 'sidecar' } },
    ];
    const { plans, missing } = planRemoval(TENANT, containers, ['web']);
    expect(missing).toEqual([]);
    expect(plans).toHaveLength(1);
    const [p] = plans;
    expect(names(p?.lb ?? [])).toEqual(['web-lb-b8dc3686']);
    expect(names(p?.replicas ?? [])).toEqual(['web-1-b8dc3686', 'web-2-b8dc3686']);
    expect(names(p?.others ?? [])).toEqual(['web-9-b8dc3686']);
    expect(names(p?.records ?? [])).toEqual(['web-rev1-b8dc3686']);
  });

  it('finds half-created services, reports unknown names once, and never touches another tenant', () => {
    const containers = [lbOf('half', 'created'), ...serviceOf(specNamed('web'), OTHER_TENANT)];
    const { plans, missing } = planRemoval(TENANT, containers, ['half', 'web', 'half', 'nope']);
    expect(plans.map((p) => p.name)).toEqual(['half']);
    expect(missing).toEqual(['web', 'nope']);
  });

  it('passes by replicas an earlier rm --keep let go of', () => {
    const kept = replicaOf('web', 1);
    kept.name = keptName(kept.name, kept.id);
    expect(isKept(kept)).toBe(true);
    expect(kept.name).toMatch(/^web-1-b8dc3686_kept_[0-9a-f]{8}$/);
    expect(planRemoval(TENANT, [kept], ['web']).missing).toEqual(['web']);
    // …and so does every command that observes services.
    expect(groupServices(TENANT, [kept, recordOf(specNamed('web'))])[0]?.replicas).toEqual([]);
  });
});

/** An engine that records what is done to which container. */
function fakeEngine(containers: ContainerSummary[]) {
  const calls: string[] = [];
  let live = [...containers];
  const nameOf = (id: string) => live.find((c) => c.id === id)?.name ?? id;
  const engine = {
    async listContainers() {
      return live;
    },
    async stopContainer(id: string, grace: number) {
      calls.push(`stop ${nameOf(id)} ${grace}`);
    },
    async removeContainer(id: string) {
      calls.push(`rm ${nameOf(id)}`);
      live = live.filter((c) => c.id !== id);
    },
    async renameContainer(id: string, name: string) {
      calls.push(`rename ${nameOf(id)}`);
      live = live.map((c) => (c.id === id ? { ...c, name } : c));
    },
    async removeNetwork(name: string) {
      calls.push(`rm-network ${name}`);
    },
  };
  return { engine: engine as unknown as Engine, calls };
}

describe('removeServices', () => {
  it('stops gracefully and removes in order, then the network when nothing of the tenant is left', async () => {
    const containers = serviceOf(specNamed('web', { Replicas: 2 }));
    const { engine, calls } = fakeEngine(containers);
    const r = await removeServices(engine, TENANT, ['web', 'gone'], { keep: false, graceSeconds: 3 });
    expect(r).toMatchObject({
      removed: ['web'],
      missing: ['gone'],
      failed: [],
      kept: [],
      networkRemoved: true,
    });
    expect(calls).toEqual([
      'stop web-lb-b8dc3686 3',
      'rm web-lb-b8dc3686',
      'stop web-1-b8dc3686 3',
      'stop web-2-b8dc3686 3',
      'rm web-1-b8dc3686',
      'rm web-2-b8dc3686',
      'rm web-rev1-b8dc3686',
      `rm-network svc-${TENANT}`,
    ]);
  });

  it('with keep, renames the replicas instead and keeps the network they are on', async () => {
    const { engine, calls } = fakeEngine(serviceOf(specNamed('web', { Replicas: 2 })));
    const r = await removeServices(engine, TENANT, ['web'], { keep: true, graceSeconds: 10 });
    expect(r.removed).toEqual(['web']);
    expect(r.kept.map((k) => k.name)).toEqual([
      expect.stringMatching(/^web-1-b8dc3686_kept_/),
      expect.stringMatching(/^web-2-b8dc3686_kept_/),
    ]);
    expect(r.networkRemoved).toBe(false);
    expect(calls.filter((c) => !c.startsWith('stop'))).toEqual([
      'rm web-lb-b8dc3686',
      'rename web-1-b8dc3686',
      'rename web-2-b8dc3686',
      'rm web-rev1-b8dc3686',
    ]);
  });

  it('keeps the tenant network while another service uses it', async () => {
    const { engine, calls } = fakeEngine([...serviceOf(specNamed('web')), ...serviceOf(specNamed('api'))]);
    const r = await removeServices(engine, TENANT, ['web'], { keep: false, graceSeconds: 0 });
    expect(r.networkRemoved).toBe(false);
    expect(calls.some((c) => c.startsWith('rm-network'))).toBe(false);
  });
});
