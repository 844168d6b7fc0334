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
import { observe } from '../../../src/core/observe.js';
import { removeServices } from '../../../src/core/remove.js';
import { createService, updateCert } from '../../../src/core/services.js';
import { RejectedError, type SvcError } from '../../../src/errors.js';
import type { ServiceSpec } from '../../../src/spec/types.js';
import { makeCerts } from '../../support/certs.js';
import type { Call } from '../../support/fake-engine.js';
import { describeRollbacks, fakeWorld, operations } from '../../support/rollback.js';
import { seedSpec } from '../../support/seed.js';

const run = { timeoutMs: 1000 };
const world = () => fakeWorld(true);
const certs = makeCerts();
afterAll(() => certs.cleanup());
const https: ServiceSpec = { ...seedSpec, Protocol: 'httpsTerm', SSLCert: certs.leaf.pem };

function create(core: Core, spec: ServiceSpec, wait = false) {
  const opts = {
    ...run,
    lbImage: 'haproxy:lts-alpine',
    pull: 'missing' as const,
    wait,
    backend: swarmBackend,
  };
  return createService(core, spec, opts);
}

/** How many of a successful run's calls come before the commit: the cleanup removes what was replaced. */
function phaseCalls(calls: Call[]): number {
  const first = calls.findIndex(
    (c) => c.what.startsWith('swarm.remove-') || (c.what === 'remove' && c.target.startsWith('svc-sg_')),
  );
  return first < 0 ? calls.length : first;
}

describeRollbacks(operations(swarmBackend, '0.0.0.0', certs), world, phaseCalls);

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

  it('rm returns once the removed services’ tasks are gone (a create of the same name right after works)', async () => {
    const { world: w, core } = world();
    await create(core, seedSpec);
    const swarm = w.swarm as NonNullable<typeof w.swarm>;
    const serviceIds = [...swarm.services.keys()];
    swarm.linger = 3;
    const r = await removeServices(core, ['http'], { keep: false, graceSeconds: 1 });
    expect(r).toMatchObject({ removed: ['http'], failed: [], networkRemoved: true });
    expect(await swarm.tasksLeft(serviceIds)).toEqual([]);
    await create(core, seedSpec);
  });

  it('create --wait with a task Swarm rejects (a node cannot get the image) fails at once with its words, exit 3, leaving nothing', async () => {
    const { world: w, core } = world();
    const swarm = w.swarm as NonNullable<typeof w.swarm>;
    // The manager has the image (its digest pins it); the node the task went to cannot get it.
    swarm.reject = { image: 'nginx', error: 'No such image: nginx' };
    const err = await create(core, seedSpec, true).catch((e: SvcError) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect([(err as SvcError).status, (err as SvcError).message]).toEqual([
      404,
      'Swarm rejected the replicas of http: No such image: nginx; nothing of it was left',
    ]);
    expect((await observe(core)).services).toEqual([]);
    expect(w.picture()).toMatchObject({ swarm: { services: [], configs: [], secrets: [] } });
  });

  it('rm --keep is refused: a Swarm service’s replicas cannot outlive it', async () => {
    const { core } = world();
    await create(core, seedSpec);
    await expect(removeServices(core, ['http'], { keep: true, graceSeconds: 1 })).rejects.toThrow(
      /runs on Swarm, where its replicas cannot be kept/,
    );
  });
});
