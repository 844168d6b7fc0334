/**
 * Golden configs: every protocol × algorithm, the affinity variants and zero servers, compared
 * byte for byte (UPDATE_GOLDEN=1 rewrites them) and each checked by the real `haproxy -c`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAPROXY_CERT_PATH, type LbServer, renderHaproxyConfig } from '../../src/haproxy/render-config.js';
import { ALGORITHMS, PROTOCOLS, type ServiceSpec } from '../../src/spec/types.js';
import {
  GOLDEN_DIR,
  haproxyCheck,
  makeServers,
  makeSpec,
  selfSignedPem,
  tempDir,
  UPDATE,
} from './helpers.js';

interface GoldenCase {
  file: string;
  spec: ServiceSpec;
  servers: LbServer[];
}

const CERT = '-----BEGIN CERTIFICATE-----\nnot-a-real-cert\n-----END CERTIFICATE-----\n';

function specFor(protocol: ServiceSpec['Protocol'], over: Partial<ServiceSpec> = {}): ServiceSpec {
  const ports = { http: 80, https: 443, tcp: 6379, httpsTerm: 443 } as const;
  const containerPorts = { http: 8080, https: 8443, tcp: 6379, httpsTerm: 8080 } as const;
  return makeSpec({
    Protocol: protocol,
    ServicePort: ports[protocol],
    ContainerPort: containerPorts[protocol],
    SSLCert: protocol === 'httpsTerm' ? CERT : '',
    ...over,
  });
}

const CASES: GoldenCase[] = [];
for (const protocol of PROTOCOLS) {
  for (const algorithm of ALGORITHMS) {
    const spec = specFor(protocol, { Algorithm: algorithm });
    CASES.push({ file: `${protocol}-${algorithm}.cfg`, spec, servers: makeServers(2, spec.ContainerPort) });
  }
  const sticky = specFor(protocol, { SessionAffinity: true });
  CASES.push({
    file: `${protocol}-roundrobin-affinity.cfg`,
    spec: sticky,
    servers: makeServers(2, sticky.ContainerPort),
  });
}
CASES.push(
  { file: 'http-roundrobin-zero-servers.cfg', spec: specFor('http', { Replicas: 0 }), servers: [] },
  { file: 'tcp-roundrobin-zero-servers.cfg', spec: specFor('tcp', { Replicas: 0 }), servers: [] },
  {
    // Health-check values other than the defaults, and more than nine replicas (natural order).
    file: 'http-leastconn-12-servers-checks.cfg',
    spec: specFor('http', {
      Algorithm: 'leastconn',
      HealthCheckInterval: 3,
      HealthCheckFall: 5,
      HealthCheckRise: 1,
      SessionAffinity: true,
      Replicas: 12,
    }),
    servers: makeServers(12, 8080).reverse(),
  },
);

describe('golden HAProxy configs', () => {
  const tmp = tempDir('svc-haproxy-golden-');
  afterAll(() => tmp.cleanup());

  it('has a golden file for each case and no stale ones', () => {
    if (UPDATE) mkdirSync(GOLDEN_DIR, { recursive: true });
    const onDisk = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.cfg')) : [];
    if (UPDATE) return;
    expect(onDisk.sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  for (const c of CASES) {
    describe(c.file, () => {
      const path = join(GOLDEN_DIR, c.file);

      it('matches the golden file byte for byte', () => {
        const actual = renderHaproxyConfig({ spec: c.spec, servers: c.servers });
        if (UPDATE) {
          mkdirSync(GOLDEN_DIR, { recursive: true });
          writeFileSync(path, actual);
        }
        if (!existsSync(path)) {
          throw new Error(`missing golden file ${path}: run UPDATE_GOLDEN=1 npx vitest run test/haproxy`);
        }
        expect(actual).toBe(readFileSync(path, 'utf8'));
        // Rendering is deterministic.
        expect(renderHaproxyConfig({ spec: c.spec, servers: c.servers })).toBe(actual);
      });

      it('is accepted by haproxy -c without unexpected warnings', () => {
        let text = readFileSync(path, 'utf8');
        if (c.spec.Protocol === 'httpsTerm') {
          // Same config, with the certificate path pointing at a real throwaway certificate.
          expect(text).toContain(` crt ${HAPROXY_CERT_PATH} `);
          text = text.replace(HAPROXY_CERT_PATH, selfSignedPem(tmp.dir));
        }
        const file = join(tmp.dir, c.file);
        writeFileSync(file, text);
        const r = haproxyCheck(file);
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain('Configuration file is valid');
        expect(r.unexpected, r.output).toEqual([]);
      }, 120_000);
    });
  }
});
