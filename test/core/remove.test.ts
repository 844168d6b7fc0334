import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/backend.js';
import { removeServices } from '../../src/core/remove.js';
import type { ContainerSummary } from '../../src/engine/engine.js';
import { isKept, keptName } from '../../src/model/naming.js';
import {
  lbOf,
  readSnapshot,
  recordOf,
  replicaOf,
  serviceOf,
  specNamed,
  TENANT,
} from '../support/containers.js';
import { FakeWorld, fakeCore } from '../support/fake-engine.js';

function fake(containers: ContainerSummary[]): { core: Core; world: FakeWorld } {
  const world = new FakeWorld().adopt(containers);
  world.networks.set(`svc-${TENANT}`, { id: 'net', labels: {} });
  return { world, core: fakeCore(world, TENANT) };
}

const did = (w: FakeWorld) => w.calls.map((c) => `${c.what} ${c.target}`);

describe('observing removed and kept services', () => {
  it('passes by replicas an earlier rm --keep let go of', () => {
    const kept = replicaOf('web', 1);
    kept.name = keptName(kept.name, kept.id);
    expect(isKept(kept)).toBe(true);
    expect(kept.name).toMatch(/^web-1-b8dc3686_kept_[0-9a-f]{8}$/);
    expect(readSnapshot(TENANT, [kept, recordOf(specNamed('web'))]).services[0]?.replicas).toEqual([]);
  });
});

describe('removeServices', () => {
  it('stops gracefully and removes in order, then the network when nothing of the tenant is left', async () => {
    const { core, world } = fake(serviceOf(specNamed('web', { Replicas: 2 })));
    const r = await removeServices(core, ['web', 'gone'], { keep: false, graceSeconds: 3 });
    expect(r).toMatchObject({
      removed: ['web'],
      missing: ['gone'],
      failed: [],
      kept: [],
      networkRemoved: true,
    });
    expect(did(world)).toEqual([
      'stop web-lb-b8dc3686',
      'remove web-lb-b8dc3686',
      'stop web-1-b8dc3686',
      'stop web-2-b8dc3686',
      'remove web-1-b8dc3686',
      'remove web-2-b8dc3686',
      'remove web-rev1-b8dc3686',
      `remove-network svc-${TENANT}`,
    ]);
  });

  it('removes a half-created service, and never touches another tenant', async () => {
    const other = serviceOf(specNamed('web'), '7e57000000000000000000000000ffff');
    const { core, world } = fake([lbOf('half', 'created'), ...other]);
    const r = await removeServices(core, ['half', 'web'], { keep: false, graceSeconds: 0 });
    expect(r).toMatchObject({ removed: ['half'], missing: ['web'] });
    expect(did(world)).toEqual(['remove half-lb-b8dc3686', `remove-network svc-${TENANT}`]);
  });

  it('with keep, renames the replicas instead and keeps the network they are on', async () => {
    const { core, world } = fake(serviceOf(specNamed('web', { Replicas: 2 })));
    const r = await removeServices(core, ['web'], { keep: true, graceSeconds: 10 });
    expect(r.removed).toEqual(['web']);
    expect(r.kept.map((k) => k.name)).toEqual([
      expect.stringMatching(/^web-1-b8dc3686_kept_/),
      expect.stringMatching(/^web-2-b8dc3686_kept_/),
    ]);
    expect(r.networkRemoved).toBe(false);
    expect(did(world).filter((c) => !c.startsWith('stop'))).toEqual([
      'remove web-lb-b8dc3686',
      expect.stringMatching(/^rename web-1-b8dc3686->web-1-b8dc3686_kept_/),
      expect.stringMatching(/^rename web-2-b8dc3686->web-2-b8dc3686_kept_/),
      'remove web-rev1-b8dc3686',
    ]);
  });

  it('keeps the tenant network while another service uses it', async () => {
    const { core, world } = fake([...serviceOf(specNamed('web')), ...serviceOf(specNamed('api'))]);
    const r = await removeServices(core, ['web'], { keep: false, graceSeconds: 0 });
    expect(r.networkRemoved).toBe(false);
    expect(did(world).some((c) => c.startsWith('remove-network'))).toBe(false);
  });

  it('looks again for what a first pass left, so one failed step does not leave the service', async () => {
    const { core, world } = fake(serviceOf(specNamed('web', { Replicas: 2 })));
    world.inject({ match: (c) => c.what === 'remove' && c.target === 'web-2-b8dc3686' });
    const r = await removeServices(core, ['web'], { keep: false, graceSeconds: 0 });
    expect(r.removed).toEqual(['web']);
    expect(world.containers.size).toBe(0);
  });

  it('reports a removal that keeps failing; running it again once the engine lets it finishes it', async () => {
    const { core, world } = fake(serviceOf(specNamed('web', { Replicas: 2 })));
    world.inject({ match: (c) => c.what === 'remove' && c.target === 'web-2-b8dc3686', always: true });
    const r = await removeServices(core, ['web'], { keep: false, graceSeconds: 0 });
    expect(r.removed).toEqual([]);
    expect(r.failed.map((f) => [f.name, f.error.message])).toEqual([
      ['web', expect.stringMatching(/web-2-b8dc3686/)],
    ]);
    world.inject(undefined);
    const again = await removeServices(core, ['web'], { keep: false, graceSeconds: 0 });
    expect(again.removed).toEqual(['web']);
    expect(world.containers.size).toBe(0);
  });
});
