/**
 * Every operation's apply and rollback, driven through the fake engine and load balancer: a
 * successful run, then the same run with a failure injected at each of its steps in turn. A
 * failure before the commit must leave the world exactly as it was; one in the cleanup after
 * it leaves the change done and says what was left behind.
 */
import { afterAll } from 'vitest';
import { localBackend } from '../../src/backends/local/index.js';
import type { Core } from '../../src/core/backend.js';
import { saveGroup } from '../../src/core/groups.js';
import { createService, rollingUpdate, scaleService, setFip, updateCert } from '../../src/core/services.js';
import type { SecurityGroup } from '../../src/model/security-group.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { makeCerts } from '../support/certs.js';
import { type Call, FakeWorld, fakeCore } from '../support/fake-engine.js';
import { describeRollbacks, type Scenario } from '../support/rollback.js';
import { seedSpec } from '../support/seed.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const LB_IMAGE = 'haproxy:lts-alpine';
const run = { timeoutMs: 1000 };

function world(): { world: FakeWorld; core: Core } {
  const w = new FakeWorld(['nginx', 'app:2', LB_IMAGE]);
  return { world: w, core: fakeCore(w, TENANT) };
}

async function create(core: Core, spec: ServiceSpec) {
  return createService(core, spec, {
    ...run,
    lbImage: LB_IMAGE,
    pull: 'missing',
    wait: false,
    backend: localBackend,
  });
}

const office: SecurityGroup = {
  name: 'office',
  description: '',
  rules: [
    {
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: '10.0.0.0/8',
      remote_group_name: '',
    },
  ],
};

const certs = makeCerts();
afterAll(() => certs.cleanup());
const scenarios: Scenario[] = [
  { name: 'create', given: async () => undefined, op: (c) => create(c, seedSpec), noCleanup: true },
  {
    name: 'create with a security group',
    given: async (c) => void (await saveGroup(c, office, 'create', { ...run, image: LB_IMAGE })),
    op: (c) => create(c, { ...seedSpec, SecurityGroups: ['office'] }),
    noCleanup: true,
  },
  {
    name: 'scale up',
    given: (c) => create(c, seedSpec).then(() => undefined),
    op: (c) => scaleService(c, 'http', 4, run),
  },
  {
    name: 'scale down',
    given: (c) => create(c, seedSpec).then(() => undefined),
    op: (c) => scaleService(c, 'http', 1, run),
  },
  {
    name: 'rolling update',
    given: (c) => create(c, { ...seedSpec, Replicas: 3 }).then(() => undefined),
    op: (c) => rollingUpdate(c, 'http', { image: 'app:2' }, run),
  },
  {
    name: 'attach-fip',
    given: (c) => create(c, seedSpec).then(() => undefined),
    op: (c) => setFip(c, 'http', '127.0.0.1', run),
  },
  {
    name: 'detach-fip',
    given: (c) => create(c, { ...seedSpec, FIP: '127.0.0.1' }).then(() => undefined),
    op: (c) => setFip(c, 'http', '', run),
  },
  {
    name: 'update-cert',
    given: (c) =>
      create(c, { ...seedSpec, Protocol: 'httpsTerm', SSLCert: certs.leaf.pem }).then(() => undefined),
    op: (c) => updateCert(c, 'http', certs.other.pem, run),
  },
  {
    name: 'security group update',
    given: async (c) => {
      await saveGroup(c, office, 'create', { ...run, image: LB_IMAGE });
      await create(c, { ...seedSpec, SecurityGroups: ['office'] });
      await create(c, { ...seedSpec, Name: 'api', SecurityGroups: ['office'] });
    },
    op: (c) =>
      saveGroup(
        c,
        {
          ...office,
          rules: [{ ...(office.rules[0] as SecurityGroup['rules'][0]), remote_ip_prefix: '192.168.0.0/16' }],
        },
        'update',
        {
          ...run,
          image: LB_IMAGE,
        },
      ),
  },
];

/** How many of a successful run's calls come before the commit (the last record written). */
function phaseCalls(calls: Call[]): number {
  let last = 0;
  calls.forEach((c, i) => {
    if (c.what === 'create' && (/-rev\d+-/.test(c.target) || c.target.startsWith('svc-sg_'))) last = i + 1;
  });
  return last || calls.length;
}

describeRollbacks(scenarios, world, phaseCalls);
