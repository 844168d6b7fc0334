/**
 * Named volumes through the core, on the fake engine: made with the tenant's labels before the
 * replicas, gone again when the create fails, never another tenant's or a foreign one; listed,
 * removed (refused while a service mounts one), and removed with their last service on request.
 */
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../src/backends/local/index.js';
import type { Core } from '../../src/core/backend.js';
import { removeServices } from '../../src/core/remove.js';
import { createService, rollingUpdate, scaleService } from '../../src/core/services.js';
import { createVolume, findVolume, listVolumes, removeVolume, volumeJson } from '../../src/core/volumes.js';
import { ConflictError, NotFoundError, UsageError } from '../../src/errors.js';
import { volumeLabels } from '../../src/model/volumes.js';
import { FakeWorld, fakeCore } from '../support/fake-engine.js';
import { seedSpec } from '../support/seed.js';

const A = 'aaaaaaaa000000000000000000000001';
const B = 'bbbbbbbb000000000000000000000002';
const LB_IMAGE = 'haproxy:lts-alpine';

function cores(w = new FakeWorld(['nginx', LB_IMAGE])): { world: FakeWorld; a: Core; b: Core } {
  return { world: w, a: fakeCore(w, A), b: fakeCore(w, B) };
}

const create = (core: Core, name: string, volumes: string[]) =>
  createService(
    core,
    { ...seedSpec, Name: name, Volumes: volumes },
    { timeoutMs: 1000, lbImage: LB_IMAGE, pull: 'missing', wait: false, backend: localBackend },
  );

describe("a tenant's named volumes", () => {
  it('are made with its labels before its replicas, one engine volume per tenant and name', async () => {
    const { world, a, b } = cores();
    const made = await create(a, 'web', ['shared:/d']);
    await create(b, 'web', ['shared:/d']);
    expect(made.service.Volumes).toEqual({ 'shared:/d': {} });
    expect([...world.volumes.keys()].sort()).toEqual([`svc-${A}_shared`, `svc-${B}_shared`]);
    expect(world.volumes.get(`svc-${A}_shared`)?.labels).toEqual(volumeLabels(A, 'shared'));
    const calls = world.calls.map((c) => `${c.what} ${c.target}`);
    const volume = calls.indexOf(`create-volume svc-${A}_shared`);
    expect(volume).toBeGreaterThanOrEqual(0);
    expect(volume).toBeLessThan(calls.findIndex((c) => c.startsWith('create web-1-')));
    // Both replicas of a service share one ensure.
    expect(calls.filter((c) => c === `create-volume svc-${A}_shared`)).toHaveLength(1);
  });

  it('a create that fails after making the volume removes it again', async () => {
    const { world, a } = cores();
    world.inject({ match: (c) => c.what === 'start' });
    await expect(create(a, 'web', ['data:/d'])).rejects.toThrow(/injected/);
    expect(world.volumes.size).toBe(0);
  });

  it('a volume of that engine name not made for the tenant is never mounted (409)', async () => {
    const { world, a } = cores();
    world.volumes.set(`svc-${A}_data`, { labels: {} });
    await expect(create(a, 'web', ['data:/d'])).rejects.toThrow(ConflictError);
    world.volumes.set(`svc-${A}_data`, { labels: volumeLabels(B, 'data') });
    await expect(create(a, 'web', ['data:/d'])).rejects.toThrow(/did not make for tenant/);
    expect(world.containers.size).toBe(0);
  });

  it('are listed by their names with the services mounting them, each tenant its own', async () => {
    const { a, b } = cores();
    await create(a, 'web', ['data:/d', 'logs:/l']);
    await create(a, 'api', ['data:/d']);
    await createVolume(a, 'spare', { team: 'x' });
    await create(b, 'web', ['other:/o']);
    const list = await listVolumes(a);
    expect(list.map((v) => [v.name, v.services])).toEqual([
      ['data', ['api', 'web']],
      ['logs', ['web']],
      ['spare', []],
    ]);
    expect(volumeJson(list[2] as (typeof list)[number])).toEqual({
      Name: 'spare',
      Driver: 'local',
      Mountpoint: '',
      Labels: { team: 'x' },
      Scope: 'local',
      CreatedAt: '2026-12-01T00:00:00Z',
      Services: [],
    });
    expect((await listVolumes(b)).map((v) => v.name)).toEqual(['other']);
    await expect(findVolume(b, 'data')).rejects.toThrow(NotFoundError);
  });

  it('are removed by name, refused while a service mounts one; the other tenant cannot', async () => {
    const { world, a, b } = cores();
    await create(a, 'web', ['data:/d']);
    await expect(removeVolume(a, 'data')).rejects.toThrow(/used by service web; remove it first/);
    await expect(removeVolume(b, 'data')).rejects.toThrow(NotFoundError);
    await removeServices(a, ['web'], { keep: false, graceSeconds: 0 });
    expect(world.volumes.has(`svc-${A}_data`)).toBe(true); // kept, as docker keeps them
    await removeVolume(a, 'data');
    expect(world.volumes.size).toBe(0);
    await expect(createVolume(a, 'x')).rejects.toThrow(/volume name/);
  });

  it('a service whose replicas mount a volume by its plain name (made before) gets no new replicas', async () => {
    const { world, a } = cores();
    await create(a, 'web', ['data:/d']);
    // As such a service's replicas were made: the engine volume `data`.
    for (const c of world.containers.values())
      if (c.spec.volumes) c.spec.volumes = c.spec.volumes.map((v) => ({ ...v, name: 'data' }));
    const run = { timeoutMs: 1000 };
    await expect(scaleService(a, 'web', 3, run)).rejects.toThrow(
      new RegExp(`mounts volumes by their plain names.*: data \\(now svc-${A}_data\\)`),
    );
    await expect(rollingUpdate(a, 'web', { image: LB_IMAGE }, run)).rejects.toThrow(ConflictError);
    await scaleService(a, 'web', 1, run); // fewer replicas mount nothing new
  });

  it('rm --volumes removes those no other service mounts, and says which it kept', async () => {
    const { world, a } = cores();
    await create(a, 'web', ['data:/d', 'own:/o']);
    await create(a, 'api', ['data:/d']);
    const r = await removeServices(a, ['web'], { keep: false, volumes: true, graceSeconds: 0 });
    expect(r.removed).toEqual(['web']);
    expect(r.notes).toEqual(['kept volume data: used by api']);
    expect([...world.volumes.keys()]).toEqual([`svc-${A}_data`]);
    await expect(removeServices(a, ['api'], { keep: true, volumes: true, graceSeconds: 0 })).rejects.toThrow(
      UsageError,
    );
    await removeServices(a, ['api'], { keep: false, volumes: true, graceSeconds: 0 });
    expect(world.volumes.size).toBe(0);
  });
});
