import { describe, expect, it } from 'vitest';
import { replicaContainer } from '../../src/backends/local/plan/create.js';
import { containerBody } from '../../src/engine/specs.js';
import { LABEL, names } from '../../src/model/naming.js';
import {
  hostBinds,
  namedVolumes,
  ownsVolume,
  parseVolumeEntry,
  tenantMounts,
  volumeLabels,
} from '../../src/model/volumes.js';
import { CONTAINER_SIZES } from '../../src/spec/types.js';
import { seedSpec } from '../support/seed.js';

const A = 'aaaaaaaa000000000000000000000001';
const B = 'aaaaaaaa000000000000000000000002';

describe('named volumes of a tenant', () => {
  it('parses entries: named or host, read-only or not', () => {
    expect(parseVolumeEntry('data:/d')).toEqual({
      source: 'data',
      target: '/d',
      readOnly: false,
      host: false,
      entry: 'data:/d',
    });
    expect(parseVolumeEntry('/srv/x:/s:ro')).toMatchObject({ source: '/srv/x', readOnly: true, host: true });
    expect(parseVolumeEntry('data:/d:rw').readOnly).toBe(false);
  });

  it('names the engine volume with the whole tenant, so two tenants sharing 8 characters never meet', () => {
    expect(names.volume(A, 'shared')).toBe(`svc-${A}_shared`);
    expect(names.volume(A, 'shared')).not.toBe(names.volume(B, 'shared'));
    expect(names.lb(A, 'web')).toBe(names.lb(B, 'web')); // (containers: a 409, never a shared object)
  });

  it('splits a spec into host binds and tenant mounts, each named volume once in namedVolumes', () => {
    const volumes = ['data:/d', '/srv:/s:ro', 'logs:/l:ro', 'data:/d2'];
    expect(hostBinds(volumes)).toEqual(['/srv:/s:ro']);
    expect(hostBinds(['data:/d'])).toBeNull();
    expect(hostBinds(null)).toBeNull();
    expect(namedVolumes(volumes)).toEqual(['data', 'logs']);
    expect(tenantMounts(volumes, A)).toEqual([
      { name: `svc-${A}_data`, target: '/d', readOnly: false, labels: volumeLabels(A, 'data') },
      { name: `svc-${A}_logs`, target: '/l', readOnly: true, labels: volumeLabels(A, 'logs') },
      { name: `svc-${A}_data`, target: '/d2', readOnly: false, labels: volumeLabels(A, 'data') },
    ]);
  });

  it('owns a volume only with its tenant, role and name, as svc labels them', () => {
    const labels = volumeLabels(A, 'data');
    expect(labels).toEqual({
      [LABEL.managed]: '1',
      [LABEL.tenant]: A,
      [LABEL.role]: 'volume',
      [LABEL.volume]: 'data',
    });
    expect(ownsVolume(labels, A, 'data')).toBe(true);
    expect(ownsVolume(labels, B, 'data')).toBe(false);
    expect(ownsVolume(labels, A, 'other')).toBe(false);
    expect(ownsVolume({}, A, 'data')).toBe(false);
    expect(ownsVolume(null, A, 'data')).toBe(false);
    expect(ownsVolume({ ...labels, [LABEL.role]: 'replica' }, A, 'data')).toBe(false);
  });
});

describe('a replica container', () => {
  const spec = { ...seedSpec, Volumes: ['data:/d:ro', '/srv:/s'], ContainerSize: 's1' as const };
  const c = replicaContainer(spec, A, 1, 4, 'hash');

  it("mounts the tenant's volume by mount (labels for the engine, should it make it) and binds host paths", () => {
    const body = containerBody(c) as { HostConfig: Record<string, unknown> };
    expect(body.HostConfig.Binds).toEqual(['/srv:/s']);
    expect(body.HostConfig.Mounts).toEqual([
      {
        Type: 'volume',
        Source: `svc-${A}_data`,
        Target: '/d',
        ReadOnly: true,
        VolumeOptions: { Labels: volumeLabels(A, 'data') },
      },
    ]);
  });

  it('is bounded by its size: memory, CPUs and processes', () => {
    const body = containerBody(c) as { HostConfig: Record<string, unknown> };
    expect(body.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, NanoCpus: 1e9, PidsLimit: 256 });
    const none = containerBody(replicaContainer(seedSpec, A, 1, 4, 'h')) as {
      HostConfig: Record<string, unknown>;
    };
    expect(none.HostConfig.Mounts).toBeUndefined();
    expect(none.HostConfig.Binds).toBeUndefined();
  });

  it('every size has a pids limit between 256 and 4096 that grows with its memory', () => {
    const sizes = Object.values(CONTAINER_SIZES);
    for (const s of sizes) expect(s.pids).toBeGreaterThanOrEqual(256);
    for (const s of sizes) expect(s.pids).toBeLessThanOrEqual(4096);
    const byMemory = [...sizes].sort((a, b) => a.memoryMiB - b.memoryMiB);
    for (let i = 1; i < byMemory.length; i++)
      expect(byMemory[i]?.pids).toBeGreaterThanOrEqual(byMemory[i - 1]?.pids ?? 0);
  });
});
