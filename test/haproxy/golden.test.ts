/**
 * Golden configs: every protocol × algorithm, the affinity variants and zero servers, rendered
 * with the live load balancer's paths (LB_DIR + LB_FILES), compared byte for byte
 * (UPDATE_GOLDEN=1 rewrites them) and each checked by the real `haproxy -c`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LbServer,
  renderAllowList,
  SETTLE_LUA,
  type ServerTemplate,
} from '../../src/haproxy/render-config.js';
import { renderServerState } from '../../src/haproxy/server-state.js';
import { ALGORITHMS, PROTOCOLS, type ServiceSpec } from '../../src/spec/types.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import {
  GOLDEN_DIR,
  haproxyCheck,
  LIVE_PATHS,
  makeServers,
  makeSpec,
  renderConfig,
  tempDir,
  UPDATE,
} from './helpers.js';

interface GoldenCase {
  file: string;
  spec: ServiceSpec;
  servers: LbServer[];
  /** Swarm: servers found through DNS instead of listed. */
  template?: ServerTemplate;
  /** Servers joining a running load balancer (they start DOWN). */
  joining?: string[];
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
  {
    // Security groups: the frontend admits only the allow-list's sources.
    file: 'http-roundrobin-security-groups.cfg',
    spec: specFor('http', { SecurityGroups: ['office', 'vpn'] }),
    servers: makeServers(2, 8080),
  },
  {
    file: 'httpsTerm-roundrobin-affinity-security-groups.cfg',
    spec: specFor('httpsTerm', { SessionAffinity: true, SecurityGroups: ['office'] }),
    servers: makeServers(2, 8080),
  },
  {
    file: 'tcp-source-security-groups.cfg',
    spec: specFor('tcp', { Algorithm: 'source', SecurityGroups: ['office'] }),
    servers: makeServers(2, 6379),
  },
  {
    // Swarm: one slot a task, found through Swarm's DNS, and a slot freed as soon as its task
    // leaves the answer.
    file: 'http-roundrobin-affinity-swarm-template.cfg',
    spec: specFor('http', { SessionAffinity: true }),
    servers: [],
    template: { count: 1000, host: 'tasks.web-0123abcd', port: 8080 },
  },
  {
    // HealthCheckPath: an HTTP check of the path, 2xx and 3xx passing.
    file: 'http-roundrobin-health-check-path.cfg',
    spec: specFor('http', { HealthCheckPath: '/healthz' }),
    servers: makeServers(2, 8080),
  },
  {
    file: 'httpsTerm-leastconn-health-check-path.cfg',
    spec: specFor('httpsTerm', { Algorithm: 'leastconn', HealthCheckPath: '/ready?deep=1' }),
    servers: makeServers(3, 8080),
  },
  {
    // A scale up: the joining servers start DOWN (the state file) and, their checks being
    // requests the application serves, are checked every 50 ms (25 ms once one passed).
    file: 'http-roundrobin-health-check-path-joining.cfg',
    spec: specFor('http', { HealthCheckPath: '/healthz' }),
    servers: makeServers(4, 8080),
    joining: ['r3', 'r4'],
  },
  {
    // The same scale up with the default (connection) check: the joining servers every 25 ms
    // while DOWN, every 10 ms once a check passed.
    file: 'tcp-roundrobin-joining.cfg',
    spec: specFor('tcp'),
    servers: makeServers(4, 8080),
    joining: ['r3', 'r4'],
  },
  {
    // Swarm: the same check of every slot (no server-state file: DNS fills the slots).
    file: 'http-roundrobin-health-check-path-swarm-template.cfg',
    spec: specFor('http', { HealthCheckPath: '/healthz' }),
    servers: [],
    template: { count: 1000, host: 'tasks.web-0123abcd', port: 8080 },
  },
);

describe('golden HAProxy configs', () => {
  const tmp = tempDir('svc-haproxy-golden-');
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => {
    tmp.cleanup();
    certs.cleanup();
  });

  it('has a golden file for each case and no stale ones', () => {
    if (UPDATE) mkdirSync(GOLDEN_DIR, { recursive: true });
    const onDisk = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.cfg')) : [];
    if (UPDATE) return;
    expect(onDisk.sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  for (const c of CASES) {
    describe(c.file, () => {
      const path = join(GOLDEN_DIR, c.file);

      // Swarm's load balancer has no server-state file (its config is a Docker config object).
      const paths = c.template ? { cert: LIVE_PATHS.cert, allow: LIVE_PATHS.allow } : LIVE_PATHS;

      it('matches the golden file byte for byte', () => {
        const actual = renderConfig(c.spec, c.servers, paths, c.template, c.joining);
        if (UPDATE) {
          mkdirSync(GOLDEN_DIR, { recursive: true });
          writeFileSync(path, actual);
        }
        if (!existsSync(path)) {
          throw new Error(`missing golden file ${path}: run UPDATE_GOLDEN=1 npx vitest run test/haproxy`);
        }
        expect(actual).toBe(readFileSync(path, 'utf8'));
        // Rendering is deterministic.
        expect(renderConfig(c.spec, c.servers, paths, c.template, c.joining)).toBe(actual);
      });

      it('has only the read-only stats socket (no admin runtime API) and logs health checks', () => {
        const text = readFileSync(path, 'utf8');
        expect(text.match(/stats socket .*/g)).toEqual(['stats socket abns@svc-stats level operator']);
        expect(text).toMatch(/^defaults\n(?: {4}.*\n)* {4}option log-health-checks\n/m);
      });

      it('is accepted by haproxy -c without unexpected warnings', () => {
        let text = readFileSync(path, 'utf8');
        if (c.spec.Protocol === 'httpsTerm') {
          // Same config, with the certificate path pointing at a real throwaway certificate.
          expect(text).toContain(` crt ${LIVE_PATHS.cert} `);
          text = text.replace(LIVE_PATHS.cert, certs.leaf.pemFile);
        }
        if (c.spec.SecurityGroups?.length) {
          // Same config, with the allow-list path pointing at a real allow-list.
          expect(text).toContain(`tcp-request connection reject unless { src -f ${LIVE_PATHS.allow} }`);
          const allow = join(tmp.dir, 'security-groups.allow');
          writeFileSync(allow, renderAllowList(['10.0.0.0/8', '192.168.1.7/32', 'fd00::/8', '::1/128']));
          text = text.replace(LIVE_PATHS.allow, allow);
        }
        if (!c.template) {
          // Same config, with the server-state path pointing at a real state file.
          expect(text).toContain(`server-state-file ${LIVE_PATHS.state}\n`);
          const state = join(tmp.dir, `${c.file}.state`);
          writeFileSync(
            state,
            renderServerState(c.servers, c.joining ?? (c.servers.length > 0 ? ['r1'] : [])),
          );
          text = text.replace(`${LIVE_PATHS.state}`, state);
        }
        if (text.includes(`lua-load ${LIVE_PATHS.settle}\n`)) {
          // Same config, with the Lua path pointing at the file svc writes beside it.
          const settle = join(tmp.dir, `${c.file}.lua`);
          writeFileSync(settle, SETTLE_LUA);
          text = text.replace(`${LIVE_PATHS.settle}`, settle);
        }
        const file = join(tmp.dir, c.file);
        writeFileSync(file, text);
        const r = haproxyCheck(file);
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain('Configuration file is valid');
        // The state file was read: the server it lists starts DOWN.
        const fromState =
          / : config : Server svc_replicas\/r\d+ is DOWN, changed from server-state after a reload\./;
        const unexpected = r.unexpected.filter((l) => !fromState.test(l));
        if (!c.template && c.servers.length > 0)
          expect(r.unexpected.length - unexpected.length).toBe(c.joining?.length ?? 1);
        expect(unexpected, r.output).toEqual([]);
      }, 120_000);
    });
  }
});
