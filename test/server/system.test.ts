/** /info, /version and the image inspect answer: shapes, tenant scope, and what never passes through. */
import { describe, expect, it } from 'vitest';
import type { ContainerState } from '../../src/engine/engine.js';
import { imageAnswer, infoAnswer, pick, versionAnswer } from '../../src/server/system.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';

/** What Docker 20.10 answers on /info here, plus what must never reach a tenant. */
const ENGINE_RAW = {
  ID: '7W5H:MBOD:HVKS:JGHA',
  Containers: 57,
  ContainersRunning: 50,
  Images: 31,
  Driver: 'overlay2',
  DriverStatus: [
    ['Backing Filesystem', 'extfs'],
    ['Supports d_type', 'true'],
  ],
  Plugins: { Volume: ['local'], Network: ['bridge', 'host'], Authorization: null, Log: ['json-file'] },
  MemoryLimit: true,
  SwapLimit: 'yes',
  LoggingDriver: 'json-file',
  CgroupDriver: 'cgroupfs',
  KernelVersion: '6.1.0',
  OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
  OSType: 'linux',
  Architecture: 'x86_64',
  DefaultRuntime: 'runc',
  HttpProxy: 'http://user:secret@proxy:3128',
  DockerRootDir: '/var/lib/docker',
  Labels: ['owner=someone-else'],
  Name: 'engine-host',
};

const containers = (states: ContainerState[]) =>
  states.map((state, i) => ({ state, image: i % 2 === 0 ? 'a:1' : 'b:1' }));

describe('infoAnswer', () => {
  const info = infoAnswer({
    tenant: TENANT,
    engine: { cpus: 2, memoryBytes: 4096, serverVersion: '20.10.24', raw: ENGINE_RAW },
    containers: containers(['running', 'restarting', 'paused', 'exited', 'created']),
    services: 2,
    now: new Date('2026-12-01T00:00:00.000Z'),
  });

  it("counts the tenant's containers and images, not the engine's", () => {
    expect(info).toMatchObject({
      ID: TENANT,
      Containers: 5,
      ContainersRunning: 2,
      ContainersPaused: 1,
      ContainersStopped: 2,
      Images: 2,
      Tenant: TENANT,
      Services: 2,
    });
  });

  it('carries every field `hyper info` prints, from the engine', () => {
    expect(info).toMatchObject({
      Driver: 'overlay2',
      DriverStatus: ENGINE_RAW.DriverStatus,
      LoggingDriver: 'json-file',
      OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      KernelVersion: '6.1.0',
      OSType: 'linux',
      Architecture: 'x86_64',
      NCPU: 2,
      MemTotal: 4096,
      ServerVersion: '20.10.24',
      ExecutionDriver: 'runc',
      Plugins: {
        Volume: ['local'],
        Network: ['bridge', 'host'],
        Authorization: ['HYPER-HMAC-SHA256', 'Bearer'],
      },
      MemoryLimit: true,
      Debug: false,
      SystemTime: expect.stringMatching(/^2026-12-01T00:00:00\.000\d{6}Z$/),
    });
    for (const key of ['Driver', 'LoggingDriver', 'OperatingSystem', 'KernelVersion', 'ExecutionDriver'])
      expect(info[key], key).not.toBe('');
  });

  it("passes nothing else of the engine's, and nothing of the wrong type", () => {
    const text = JSON.stringify(info);
    for (const leak of ['secret', '/var/lib/docker', 'someone-else', '7W5H', 'engine-host', 'json-file"]'])
      expect(text).not.toContain(leak);
    expect(info.SwapLimit).toBe(false);
    expect(info).not.toHaveProperty('HttpProxy');
    expect(info).not.toHaveProperty('Labels');
    expect((info.Plugins as Record<string, unknown>).Log).toBeUndefined();
  });

  it('without the engine details: the zero values, never undefined', () => {
    const bare = infoAnswer({
      tenant: TENANT,
      engine: { cpus: 1, memoryBytes: 0, serverVersion: '' },
      containers: [],
      services: 0,
    });
    expect(bare).toMatchObject({ Containers: 0, Images: 0, Driver: '', DriverStatus: null, OSType: 'linux' });
    expect(Object.values(bare)).not.toContain(undefined);
  });
});

describe('pick', () => {
  it('keeps values that fit the Go type, else the zero value; nested structs always objects', () => {
    const shape = {
      S: 'string',
      N: 'int',
      L: 'strings',
      M: 'stringMap',
      K: 'keyed',
      C: 'strslice',
      T: { X: 'bool' },
    } as const;
    expect(
      pick(shape, { S: 1, N: 1.5, L: ['a', 1], M: { a: 1 }, K: { a: { b: 1 } }, C: 'sh', T: null }),
    ).toEqual({
      S: '',
      N: 0,
      L: null,
      M: null,
      K: null,
      C: 'sh',
      T: { X: false },
    });
    expect(
      pick(shape, { S: 's', N: 2, L: ['a'], M: { a: 'b' }, K: { '80/tcp': {} }, C: ['a'], T: { X: true } }),
    ).toEqual({
      S: 's',
      N: 2,
      L: ['a'],
      M: { a: 'b' },
      K: { '80/tcp': {} },
      C: ['a'],
      T: { X: true },
    });
  });
});

describe('imageAnswer', () => {
  it("is the original's ImageInspect: the engine's fields by type, without the storage paths", () => {
    const image = imageAnswer({
      id: 'sha256:abc',
      tags: ['svc-test/http:local'],
      raw: {
        Id: 'sha256:abc',
        Created: '2026-12-01T00:00:00Z',
        Size: 2_000_000,
        Os: 'linux',
        Config: {
          Cmd: ['/bin/serve-http'],
          Env: ['PATH=/bin'],
          ExposedPorts: { '80/tcp': {} },
          Healthcheck: {},
        },
        GraphDriver: { Name: 'overlay2', Data: { UpperDir: '/var/lib/docker/overlay2/x/diff' } },
        RootFS: { Type: 'layers', Layers: ['sha256:1'] },
        Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
      },
    });
    expect(image).toMatchObject({
      Id: 'sha256:abc',
      RepoTags: ['svc-test/http:local'],
      RepoDigests: null,
      Size: 2_000_000,
      Config: { Cmd: ['/bin/serve-http'], ExposedPorts: { '80/tcp': {} }, Entrypoint: null },
      GraphDriver: { Name: 'overlay2', Data: null },
      RootFS: { Type: 'layers', Layers: ['sha256:1'] },
    });
    expect(image).not.toHaveProperty('Metadata');
    expect((image.Config as Record<string, unknown>).Healthcheck).toBeUndefined();
  });
});

describe('versionAnswer', () => {
  it("is the original's Version, with svc's version", () => {
    expect(versionAnswer('1.2.3')).toMatchObject({
      Version: '1.2.3',
      ApiVersion: '1.23',
      Os: process.platform,
    });
  });
});
