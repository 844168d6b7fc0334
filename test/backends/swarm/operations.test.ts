/**
 * The Swarm backend's operations and their rollback, driven through the fake engine's swarm
 * (test/support/fake-swarm.ts) and load balancer: a successful run, then the same run with a
 * failure injected at each of its steps in turn (test/support/rollback.ts). A failure before the
 * commit must leave the engine and the swarm exactly as they were; one in the cleanup after it
 * leaves the change done and says what was left behind. Then what Swarm does on its own time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { swarmBackend } from '../../../src/backends/swarm/index.js';
import type { Core } from '../../../src/core/backend.js';
import { saveGroup } from '../../../src/core/groups.js';
import { observe } from '../../../src/core/observe.js';
import { removeServices } from '../../../src/core/remove.js';
import {
  createService,
  rollingUpdate,
  scaleService,
  setFip,
  updateCert,
} from '../../../src/core/services.js';
import type { SecurityGroup } from '../../../src/model/security-group.js';
import type { ServiceSpec } from '../../../src/spec/types.js';
import { makeCerts } from '../../support/certs.js';
import { type Call, FakeWorld, fakeCore } from '../../support/fake-engine.js';
import { describeRollbacks, type Scenario } from '../../support/rollback.js';
import { seedSpec } from '../../support/seed.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const LB_IMAGE = 'haproxy:lts-alpine';
const run = { timeoutMs: 1000 };

function world(): { world: FakeWorld; core: Core } {
  const w = new FakeWorld(['nginx', 'app:2', LB_IMAGE], { swarm: true });
  return { world: w, core: fakeCore(w, TENANT) };
}

function create(core: Core, spec: ServiceSpec, wait = false) {
  return createService(core, spec, {
    ...run,
    lbImage: LB_IMAGE,
    pull: 'missing',
    wait,
    backend: swarmBackend,
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
const narrower = {
  ...office,
  rules: [{ ...(office.rules[0] as SecurityGroup['rules'][0]), remote_ip_prefix: '192.168.0.0/16' }],
};

const certs = makeCerts();
afterAll(() => certs.cleanup());
const https: ServiceSpec = { ...seedSpec, Protocol: 'httpsTerm', SSLCert: certs.leaf.pem };
const scenarios: Scenario[] = [
  { name: 'create', given: async () => undefined, op: (c) => create(c, seedSpec), noCleanup: true },
  {
    name: 'create with a certificate and a security group',
    given: async (c) => void (await saveGroup(c, office, 'create', { ...run, image: LB_IMAGE })),
    op: (c) => create(c, { ...https, SecurityGroups: ['office'] }),
    noCleanup: true,
  },
  {
    name: 'scale up',
    given: (c) => create(c, seedSpec).then(() => undefined),
    op: (c) => scaleService(c, 'http', 4, run),
  },
  {
    name: 'scale down',
    given: (c) => create(c, { ...seedSpec, Replicas: 3 }).then(() => undefined),
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
    op: (c) => setFip(c, 'http', '0.0.0.0', run),
  },
  {
    name: 'detach-fip',
    given: (c) => create(c, { ...seedSpec, FIP: '0.0.0.0' }).then(() => undefined),
    op: (c) => setFip(c, 'http', '', run),
  },
  {
    name: 'update-cert',
    given: (c) => create(c, https).then(() => undefined),
    op: (c) => updateCert(c, 'http', certs.other.pem, run),
  },
  {
    name: 'security group update',
    given: async (c) => {
      await saveGroup(c, office, 'create', { ...run, image: LB_IMAGE });
      await create(c, { ...seedSpec, SecurityGroups: ['office'] });
    },
    op: (c) => saveGroup(c, narrower, 'update', { ...run, image: LB_IMAGE }),
  },
];

/** How many of a successful run's calls come before the commit: the cleanup removes what was replaced. */
function phaseCalls(calls: Call[]): number {
  const first = calls.findIndex(
    (c) => c.what.startsWith('swarm.remove-') || (c.what === 'remove' && c.target.startsWith('svc-sg_')),
  );
  return first < 0 ? calls.length : first;
}

describeRollbacks(scenarios, world, phaseCalls);

describe('Swarm on its own time', () => {
  it('create --wait that fails leaves the service as it was created, and says so', async () => {
    const { world: w, core } = world();
    w.inject({ match: (c) => c.what === 'lb.wait-up' });
    await expect(create(core, seedSpec, true)).rejects.toThrow(
      /injected failure.*; the service was created and is left as it is$/,
    );
    const [s] = (await observe(core)).services;
    expect(s?.backend).toBe('swarm');
    expect(s?.replicas).toHaveLength(2);
  });

  it('a change of the load balancer waits for its new task, not the old one Swarm has not replaced yet', async () => {
    const { world: w, core } = world();
    await create(core, https);
    const waited = () => w.calls.filter((c) => c.what === 'lb.wait-loaded').map((c) => c.target);
    const [before] = waited();
    // Swarm answers the update at once and replaces the task a moment later: old tasks still run.
    (w.swarm as NonNullable<typeof w.swarm>).lag = 3;
    await updateCert(core, 'http', certs.other.pem, run);
    const after = waited().at(-1);
    expect(after).toMatch(/^http-lb-b8dc3686\.1\./);
    expect(after).not.toBe(before);
  });

  it('rm removes both services, their configs and secrets, then the overlay network', async () => {
    const { world: w, core } = world();
    await create(core, { ...https, SecurityGroups: [] });
    const r = await removeServices(core, ['http'], { keep: false, graceSeconds: 1 });
    expect(r).toMatchObject({ removed: ['http'], failed: [], networkRemoved: true });
    expect(w.picture()).toMatchObject({ networks: [], swarm: { services: [], configs: [], secrets: [] } });
    await expect(removeServices(core, ['http'], { keep: true, graceSeconds: 1 })).resolves.toMatchObject({
      missing: ['http'],
    });
  });

  it('rm --keep is refused: a Swarm service’s replicas cannot outlive it', async () => {
    const { core } = world();
    await create(core, seedSpec);
    await expect(removeServices(core, ['http'], { keep: true, graceSeconds: 1 })).rejects.toThrow(
      /runs on Swarm, where its replicas cannot be kept/,
    );
  });
});
