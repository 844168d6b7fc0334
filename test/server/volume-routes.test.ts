import { describe, expect, it } from 'vitest';
import type { TenantVolume } from '../../src/core/volumes.js';
import { SpecError, UsageError } from '../../src/errors.js';
import { PolicyRefusal } from '../../src/server/policy.js';
import { filterVolumes, parseVolumeCreate } from '../../src/server/volume-routes.js';

function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof SpecError || err instanceof PolicyRefusal) return err.issues.map((i) => i.path);
    throw err;
  }
  throw new Error('no error');
}

describe('POST /volumes/create', () => {
  it("takes docker's request, and the original client's (driver hyper, size)", () => {
    expect(parseVolumeCreate('{"Name": "data"}')).toEqual({ name: 'data', labels: {} });
    expect(
      parseVolumeCreate('{"Name":"data","Driver":"hyper","DriverOpts":{"size":"10"},"Labels":{"team":"x"}}'),
    ).toEqual({ name: 'data', labels: { team: 'x' } });
    expect(parseVolumeCreate('{"name":"data","driver":"local","driverOpts":null}').name).toBe('data');
  });

  it('makes up a name when none is given, as docker does', () => {
    expect(parseVolumeCreate('{}').name).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses driver options (they can bind-mount host paths), other drivers, bad names and labels', () => {
    expect(
      issues(() =>
        parseVolumeCreate('{"Name":"x1","DriverOpts":{"type":"none","o":"bind","device":"/etc","size":"1"}}'),
      ),
    ).toEqual(['DriverOpts.type', 'DriverOpts.o', 'DriverOpts.device']);
    expect(issues(() => parseVolumeCreate('{"Name":"x1","Driver":"nfs","Colour":1}'))).toEqual([
      'Colour',
      'Driver',
    ]);
    expect(issues(() => parseVolumeCreate('{"Name":"-x"}'))).toEqual(['Name']);
    expect(issues(() => parseVolumeCreate('{"Name":"../x"}'))).toEqual(['Name']);
    expect(issues(() => parseVolumeCreate('{"Name":"x1","Labels":{"io.svc.tenant":"t"}}'))).toHaveLength(1);
    expect(issues(() => parseVolumeCreate('{"Name":"x1","Labels":{"com.docker.a":"b"}}'))).toEqual([
      'Labels.com.docker.a',
    ]);
    expect(issues(() => parseVolumeCreate('{"Name":"x1","Labels":{"a":1}}'))).toEqual(['Labels']);
    expect(() => parseVolumeCreate('[]')).toThrow(UsageError);
  });
});

describe('GET /volumes filters', () => {
  const v = (name: string, services: string[]): TenantVolume => ({
    name,
    engineName: `svc-t_${name}`,
    driver: 'local',
    scope: 'local',
    created: '',
    labels: {},
    services,
  });
  const all = [v('data', ['web']), v('logs', []), v('database', [])];

  it('by name (a part of it) and dangling, in both docker shapes', () => {
    expect(filterVolumes(all, null)).toHaveLength(3);
    expect(filterVolumes(all, '{"name":["data"]}').map((x) => x.name)).toEqual(['data', 'database']);
    expect(filterVolumes(all, '{"dangling":{"true":true}}').map((x) => x.name)).toEqual(['logs', 'database']);
    expect(filterVolumes(all, '{"dangling":["false"]}').map((x) => x.name)).toEqual(['data']);
    expect(() => filterVolumes(all, '{"driver":["local"]}')).toThrow(/filtered by name and dangling/);
    expect(() => filterVolumes(all, 'nope')).toThrow(/not JSON/);
  });
});
