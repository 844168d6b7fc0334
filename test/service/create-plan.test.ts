import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import { type CreateContext, describePlan, planCreate } from '../../src/service/create-plan.js';
import { LABEL } from '../../src/service/labels.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { seedSpec } from '../fixtures/seed.js';
import { makeCerts } from '../spec/helpers.js';

const ctx: CreateContext = {
  tenant: 'b8dc36865f4b480683dabb25598d61c4',
  lbImage: 'haproxy:lts-alpine',
  pull: 'missing',
  engineCpus: 2,
  created: '2016-10-08T13:12:15.405946064Z',
};
const spec: ServiceSpec = { ...seedSpec, ServicePort: 8080, FIP: '127.0.0.1' };
const nothing = { existing: [], missingImages: [] };

describe('planCreate', () => {
  it('creates the load balancer first (the lock), then the rest in parallel; starts the replicas, then it', () => {
    expect(describePlan(planCreate(spec, ctx, { existing: [], missingImages: ['nginx'] }))).toBe(
      [
        '1. pull image nginx',
        '2. ensure network svc-b8dc36865f4b480683dabb25598d61c4',
        '3. create lb http-lb-b8dc3686 from haproxy:lts-alpine on svc-b8dc36865f4b480683dabb25598d61c4 publish 127.0.0.1:8080->8080/tcp',
        '4. create record http-rev1-b8dc3686 from haproxy:lts-alpine on none',
        '4. create replica http-1-b8dc3686 from nginx on svc-b8dc36865f4b480683dabb25598d61c4',
        '4. create replica http-2-b8dc3686 from nginx on svc-b8dc36865f4b480683dabb25598d61c4',
        '5. write /usr/local/etc/haproxy/haproxy.cfg into http-lb-b8dc3686',
        '5. start http-1-b8dc3686',
        '5. start http-2-b8dc3686',
        '6. start http-lb-b8dc3686',
      ].join('\n'),
    );
  });

  it('publishes nothing without a FIP', () => {
    const plan = planCreate({ ...spec, FIP: '' }, ctx, nothing);
    expect(describePlan(plan)).not.toContain('publish');
  });

  it('refuses a service that exists, before any step', () => {
    expect(() => planCreate(spec, ctx, { existing: ['http-lb-b8dc3686'], missingImages: [] })).toThrow(
      ConflictError,
    );
  });

  it('honours the pull policy', () => {
    expect(() =>
      planCreate(spec, { ...ctx, pull: 'never' }, { existing: [], missingImages: ['nginx'] }),
    ).toThrow(NotFoundError);
    expect(describePlan(planCreate(spec, { ...ctx, pull: 'always' }, nothing))).toMatch(
      /^1\. pull image nginx$/m,
    );
    expect(describePlan(planCreate(spec, ctx, nothing))).not.toContain('pull');
  });

  it('labels replicas with the user labels and the reserved ones, and sizes them', () => {
    const plan = planCreate({ ...spec, ContainerSize: 'm2' }, ctx, nothing);
    const replica = plan.phases.flat().find((s) => s.op === 'create-container' && s.role === 'replica');
    if (replica?.op !== 'create-container') throw new Error('no replica step');
    expect(replica.container.labels).toMatchObject({
      app: 'nginx',
      [LABEL.tenant]: ctx.tenant,
      [LABEL.service]: 'http',
      [LABEL.role]: 'replica',
      [LABEL.replica]: '1',
    });
    expect(replica.container.memoryBytes).toBe(2 * 1024 ** 3);
    expect(replica.container.nanoCpus).toBe(2e9);
    expect(replica.container.restartPolicy).toBe('unless-stopped');
  });

  it('caps CPUs at what the engine has, and says so', () => {
    const plan = planCreate({ ...spec, ContainerSize: 'l3' }, { ...ctx, engineCpus: 2 }, nothing);
    expect(plan.notes).toEqual([expect.stringMatching(/l3 asks for 8 CPUs; the engine has 2/)]);
    const replica = plan.phases.flat().find((s) => s.op === 'create-container' && s.role === 'replica');
    expect(replica?.op === 'create-container' && replica.container.nanoCpus).toBe(2e9);
  });

  describe('httpsTerm', () => {
    const certs = makeCerts();
    afterAll(() => certs.cleanup());

    it('puts the PEM only in the load balancer, readable by HAProxy alone, never in a label', () => {
      const plan = planCreate({ ...spec, Protocol: 'httpsTerm', SSLCert: certs.pem }, ctx, nothing);
      const write = plan.phases.flat().find((s) => s.op === 'write-files');
      if (write?.op !== 'write-files') throw new Error('no write step');
      const pem = write.entries.find((e) => e.name === 'certs/service.pem');
      expect(pem).toMatchObject({ mode: 0o600, uid: 99, gid: 99, content: certs.pem });
      const everyLabel = plan.phases
        .flat()
        .flatMap((s) => (s.op === 'create-container' ? Object.values(s.container.labels) : []))
        .join('\n');
      expect(everyLabel).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
      expect(everyLabel).toMatch(/sha256=/);
    });
  });
});
