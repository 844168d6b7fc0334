/**
 * The spec hash: what a replica is made from, and nothing else. A replica whose hash differs from
 * its service's desired spec is out of date (observed as `outdated`, on both backends).
 */
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../src/backends/local/index.js';
import { readLocal } from '../../src/backends/local/observe.js';
import { observe } from '../../src/core/observe.js';
import { createService, rollingUpdate } from '../../src/core/services.js';
import { LABEL } from '../../src/model/naming.js';
import { REPLICA_FIELDS, specHash } from '../../src/model/spec-hash.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { recordOf, replicaOf, specNamed, TENANT } from '../support/containers.js';
import { FakeWorld, fakeCore } from '../support/fake-engine.js';
import { seedSpec } from '../support/seed.js';

/** A value other than the seed's, for each replica field. */
const OTHER: { [K in (typeof REPLICA_FIELDS)[number]]: ServiceSpec[K] } = {
  Image: 'nginx:2',
  Env: ['A=2'],
  Cmd: ['serve', '--fast'],
  Entrypoint: ['/bin/sh', '-c'],
  WorkingDir: '/srv',
  Volumes: ['data:/data'],
  Labels: { tier: 'web' },
  ContainerSize: 'm2',
  StopSignal: 'SIGINT',
  Tty: !seedSpec.Tty,
  Stdin: !seedSpec.Stdin,
  ContainerPort: seedSpec.ContainerPort + 1,
};

describe('specHash', () => {
  it('is 16 hex digits, the same for the same spec', () => {
    expect(specHash(seedSpec)).toMatch(/^[0-9a-f]{16}$/);
    expect(specHash({ ...seedSpec })).toBe(specHash(seedSpec));
  });

  it.each(REPLICA_FIELDS)('changes with %s', (field) => {
    expect(specHash({ ...seedSpec, [field]: OTHER[field] })).not.toBe(specHash(seedSpec));
  });

  it('changes with StopTimeout, except at the value replicas had before the field (10 s)', () => {
    expect(specHash({ ...seedSpec, StopTimeout: 30 })).not.toBe(specHash(seedSpec));
    expect(specHash({ ...seedSpec, StopTimeout: 10 })).toBe(specHash(seedSpec));
    const { StopTimeout: _, ...before } = seedSpec;
    expect(specHash(before as ServiceSpec)).toBe(specHash(seedSpec));
  });

  it('does not change with the count, the load balancer, the FIP or the name', () => {
    const other: Partial<ServiceSpec> = {
      Name: 'other',
      Replicas: seedSpec.Replicas + 3,
      ServicePort: seedSpec.ServicePort + 1,
      FIP: '127.0.0.1',
      Protocol: 'tcp',
      Algorithm: 'source',
      SessionAffinity: !seedSpec.SessionAffinity,
      HealthCheckInterval: seedSpec.HealthCheckInterval + 1,
      HealthCheckFall: seedSpec.HealthCheckFall + 1,
      HealthCheckRise: seedSpec.HealthCheckRise + 1,
      SecurityGroups: ['office'],
      SSLCert: 'subject=CN=x',
      NetMode: 'bridge',
      HealthCheckPath: '/healthz',
    };
    expect(specHash({ ...seedSpec, ...other })).toBe(specHash(seedSpec));
  });

  it('does not depend on the order labels are given in', () => {
    const a = { ...seedSpec, Labels: { a: '1', b: '2' } };
    const b = { ...seedSpec, Labels: { b: '2', a: '1' } };
    expect(specHash(a)).toBe(specHash(b));
  });
});

describe('outdated replicas', () => {
  it('every object of a new service carries its hash; none of its replicas is outdated', async () => {
    const world = new FakeWorld(['nginx', 'app:2', 'haproxy:lts-alpine']);
    const core = fakeCore(world, TENANT);
    const opts = { timeoutMs: 1000, lbImage: 'haproxy:lts-alpine', pull: 'missing' as const, wait: false };
    await createService(core, seedSpec, { ...opts, backend: localBackend });
    const hashes = [...world.containers.values()].map((c) => c.spec.labels[LABEL.specHash]);
    expect(new Set(hashes)).toEqual(new Set([specHash(seedSpec)]));
    const [s] = (await observe(core)).services;
    expect(s?.replicas.map((r) => r.outdated)).toEqual([false, false]);
    // After a rolling update every replica is made from the new spec.
    await rollingUpdate(core, seedSpec.Name, { image: 'app:2' }, { timeoutMs: 1000 });
    const [after] = (await observe(core)).services;
    expect(
      after?.replicas.every(
        (r) => !r.outdated && r.labels[LABEL.specHash] === specHash({ ...seedSpec, Image: 'app:2' }),
      ),
    ).toBe(true);
  });

  it('a replica made from another spec (another image, env, …) is outdated', () => {
    const web = specNamed('web', { Replicas: 2 });
    const current = replicaOf('web', 1);
    current.labels[LABEL.specHash] = specHash(web);
    const old = replicaOf('web', 2);
    old.labels[LABEL.specHash] = specHash({ ...web, Env: ['MODE=old'] });
    const [s] = readLocal(localBackend, TENANT, [recordOf(web), current, old]);
    expect(s?.replicas.map((r) => [r.number, r.outdated])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});
