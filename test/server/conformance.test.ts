/**
 * The answers' builders against the original Go client's wire types (conformance/*.schema.json),
 * with every optional field filled so that no shape mistake hides behind null. The same check on
 * a real `svc serve`: test/integration/serve-conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toServiceJson } from '../../src/core/service-json.js';
import { volumeJson } from '../../src/core/volumes.js';
import { imageAnswer, infoAnswer, versionAnswer } from '../../src/server/system.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { seedSpec } from '../support/seed.js';
import { conformanceProblems } from './conformance/validate.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const STATE = {
  tenant: TENANT,
  ip: '172.18.0.2',
  created: '2016-10-08T13:12:15.405946064Z',
  status: 'active' as const,
  message: 'Scaling complete',
  containers: ['a'.repeat(64), 'b'.repeat(64)],
};

/** Every optional field set. */
const FULL: ServiceSpec = {
  ...seedSpec,
  WorkingDir: '/www',
  ContainerSize: 'm1',
  SSLCert: 'subject=CN=svc.test; notAfter=2030-01-01T00:00:00Z; sha256=ab:cd',
  NetMode: 'bridge',
  StopSignal: 'SIGINT',
  Protocol: 'httpsTerm',
  Stdin: true,
  Tty: true,
  SessionAffinity: true,
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['/bin/serve-http'],
  Env: ['MODE=prod'],
  Volumes: ['data:/data:ro', '/srv:/srv'],
  Labels: { app: 'web' },
  SecurityGroups: ['office', 'web'],
  FIP: '127.0.0.1',
};

describe('the Service JSON fits types.Service', () => {
  it('with every optional field filled, and as the seed writes it', () => {
    expect(conformanceProblems('service', toServiceJson(FULL, STATE))).toEqual([]);
    expect(conformanceProblems('service', toServiceJson(seedSpec, { ...STATE, containers: null }))).toEqual(
      [],
    );
    expect(conformanceProblems('service-list', [toServiceJson(FULL, STATE)])).toEqual([]);
  });

  it('the schema catches what the Go decoder refuses', () => {
    const good = JSON.parse(JSON.stringify(toServiceJson(FULL, STATE)));
    const bad = (change: Record<string, unknown>) => conformanceProblems('service', { ...good, ...change });
    expect(bad({ Volumes: ['data:/data:ro'] }).join()).toMatch(/^\/Volumes: /);
    expect(bad({ SecurityGroups: ['office'] }).join()).toMatch(/^\/SecurityGroups: /);
    expect(bad({ ServicePort: '80' }).join()).toMatch(/^\/ServicePort: must be integer/);
    expect(bad({ Replicas: 1.5 }).join()).toMatch(/^\/Replicas: must be integer/);
    expect(bad({ Env: { MODE: 'prod' } }).join()).toMatch(/^\/Env: /);
    expect(bad({ Labels: ['app=web'] }).join()).toMatch(/^\/Labels: /);
    expect(bad({ volumes: {} }).join()).toMatch(/^\/volumes: would be decoded into another field/);
    expect(bad({ Entrypoint: '/bin/sh' })).toEqual([]); // a StrSlice takes one string
  });
});

describe('the other answers fit their Go types', () => {
  const raw = {
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'extfs']],
    Plugins: { Volume: ['local'], Network: ['bridge'], Authorization: null },
    LoggingDriver: 'json-file',
    KernelVersion: '6.1.0',
    OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
    OSType: 'linux',
    Architecture: 'x86_64',
    DefaultRuntime: 'runc',
  };

  it('Info', () => {
    const info = infoAnswer({
      tenant: TENANT,
      engine: { cpus: 2, memoryBytes: 4_000_000_000, serverVersion: '20.10.24', raw },
      containers: [{ state: 'running', image: 'a' }],
      services: 1,
    });
    expect(conformanceProblems('info', info)).toEqual([]);
    expect(conformanceProblems('info', { ...info, NCPU: '2' }).join()).toMatch(/^\/NCPU: must be integer/);
  });

  it('Version', () => {
    expect(conformanceProblems('version', versionAnswer('0.1.0'))).toEqual([]);
  });

  it('ImageInspect', () => {
    const image = imageAnswer({
      id: 'sha256:abc',
      tags: ['svc-test/http:local'],
      raw: { Size: 1, Config: { Cmd: 'x', ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' } } },
    });
    expect(conformanceProblems('image-inspect', image)).toEqual([]);
    expect(conformanceProblems('image-inspect', imageAnswer({ id: 'sha256:abc', tags: [] }))).toEqual([]);
  });

  it('Volume and VolumesListResponse (an engine that gives no creation time still gives a time.Time)', () => {
    const v = volumeJson({
      name: 'data',
      engineName: 'svc-t_data',
      driver: 'local',
      scope: 'local',
      created: '',
      labels: {},
      services: ['web'],
    });
    expect(conformanceProblems('volume', v)).toEqual([]);
    expect(conformanceProblems('volume', { ...v, CreatedAt: '' })).not.toEqual([]);
    expect(conformanceProblems('volume-list', { Volumes: [v], Warnings: null })).toEqual([]);
    expect(
      conformanceProblems('volume-list', { Volumes: [{ ...v, Labels: [] }], Warnings: null }),
    ).not.toEqual([]);
  });
});
