/**
 * The swarm backend on a real two-node swarm (this engine as manager, a second engine in a
 * container as worker; see support/swarm-node.ts): replicas spread over both nodes and traffic
 * reaching every one of them through the load balancer on the manager; a node drained under load
 * (Swarm moves its tasks) and made active again and scaled onto, a task killed on the worker, and
 * the worker drained in the middle of a rolling update (the update finishes on the manager), each
 * losing no request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSvc, svc } from '../support/cli.js';
import {
  createArgs,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  LB_IMAGE_DEBIAN,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  waitFor,
} from './support/harness.js';
import { type LoadResult, splitCutResponses, startLoad } from './support/load.js';
import { startTwoNodeSwarm, type TwoNodeSwarm } from './support/swarm-node.js';

const tenant = newTenant();
const opts = { tenant, env: { SVC_BACKEND: 'swarm', SVC_LB_IMAGE: LB_IMAGE_DEBIAN } };
const sv = (args: string[]) => svc(args, opts);
const V2 = 'svc-test/http:two-nodes-v2';
const ok = mustSucceed(sv);
let swarm: TwoNodeSwarm;

interface Replica {
  Number: number;
  ID: string;
  State: string;
  Node: string;
  Image: string;
}

beforeAll(async () => {
  await run('docker', ['tag', HTTP_IMAGE, V2]);
  swarm = await startTwoNodeSwarm(tenant.slice(0, 8), [HTTP_IMAGE, V2]);
}, 180_000);

afterAll(async () => {
  await removeTenant(tenant);
  await swarm?.stop();
  await run('docker', ['rmi', V2]).catch(() => undefined);
}, 120_000);

async function replicas(name: string): Promise<Replica[]> {
  const [s] = JSON.parse((await ok(['inspect', name])).stdout);
  return s.ReplicaDetail;
}

/** Node of each running replica, by the hostname it answers with (its short container ID). */
async function nodeByHostname(name: string): Promise<Map<string, string>> {
  const list = (await replicas(name)).filter((r) => r.State === 'running');
  return new Map(list.map((r) => [r.ID.slice(0, 12), r.Node]));
}

function report(what: string, result: LoadResult): string[] {
  const { lost, cut } = splitCutResponses(result.failures);
  console.log(`two nodes, ${what}: ${result.requests} requests, ${lost.length} lost, ${cut.length} cut`);
  return lost;
}

describe('a service on a two-node swarm', () => {
  let port: number;

  it('spreads its replicas over both nodes, and traffic reaches every one of them', async () => {
    port = await freePort();
    await ok(createArgs('web', port, '0.0.0.0', ['--protocol', 'http', '--replicas', '4']));
    const nodes = await nodeByHostname('web');
    expect(nodes.size).toBe(4);
    expect(new Set(nodes.values())).toEqual(new Set([swarm.manager, swarm.worker]));
    // The worker's engine itself runs the replicas inspect places there.
    const onWorker = (await swarm.onWorker(['ps', '-q'])).split('\n').filter(Boolean);
    expect(onWorker.sort()).toEqual(
      [...nodes]
        .filter(([, node]) => node === swarm.worker)
        .map(([id]) => id)
        .sort(),
    );
    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 16);
    expect(failures).toEqual([]);
    expect(new Set(bodies)).toEqual(new Set(nodes.keys()));
  });

  it('a node drained under load loses no request; Swarm moves its tasks to the other', async () => {
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 90_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await run('docker', ['node', 'update', '--availability', 'drain', swarm.worker]);
    await waitFor('every replica running on the manager', 60_000, async () => {
      const nodes = await nodeByHostname('web');
      return nodes.size === 4 && [...nodes.values()].every((n) => n === swarm.manager) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const result = await load.stop();
    expect(report('drain under load', result)).toEqual([]);
    expect(result.requests).toBeGreaterThan(50);
  });

  it('scaled up once the node is active again, the new replicas land there and get traffic', async () => {
    await run('docker', ['node', 'update', '--availability', 'active', swarm.worker]);
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 90_000 });
    await ok(['scale', 'web=6']);
    const result = await load.stop();
    expect(report('scale 4→6 under load', result)).toEqual([]);
    const nodes = await nodeByHostname('web');
    const onWorker = [...nodes].filter(([, node]) => node === swarm.worker).map(([id]) => id);
    expect(onWorker.length).toBeGreaterThan(0);
    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 24);
    expect(failures).toEqual([]);
    expect(new Set(bodies)).toEqual(new Set(nodes.keys()));
  });

  it('a task killed on the worker loses no request; Swarm starts another', async () => {
    const victim = (await replicas('web')).find((r) => r.Node === swarm.worker && r.State === 'running');
    expect(victim).toBeDefined();
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 90_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await swarm.onWorker(['kill', victim?.ID as string]);
    await waitFor('six running replicas again', 60_000, async () => {
      const nodes = await nodeByHostname('web');
      return nodes.size === 6 && !nodes.has(victim?.ID.slice(0, 12) as string) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const result = await load.stop();
    expect(report('killed task on the worker', result)).toEqual([]);
  });

  it('the worker drained in the middle of a rolling update: finished, or rolled back by Swarm and then run again; on the manager, no request lost', async () => {
    expect(new Set((await nodeByHostname('web')).values())).toEqual(new Set([swarm.manager, swarm.worker]));
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 120_000 });
    const update = startSvc(['rolling-update', '--image', V2, 'web'], opts);
    await waitFor('the rolling update under way', 60_000, async () => {
      const [s] = JSON.parse((await ok(['inspect', 'web'])).stdout);
      return s.Status === 'updating' && (await replicas('web')).some((r) => r.Image === V2)
        ? true
        : undefined;
    });
    await run('docker', ['node', 'update', '--availability', 'drain', swarm.worker]);
    const { code } = await update.ended;
    // Swarm counts the new tasks the drain stops as failed: it may roll the release back, which
    // svc says (exit 1) and leaves the service as it was, on the manager; run again, it finishes.
    const between = (await replicas('web')).map((r) => `${r.State} ${r.Image} on ${r.Node}`);
    if (code !== 0) {
      expect([code, update.stderr]).toEqual([1, expect.stringMatching(/Swarm rolled the update .* back/)]);
      expect(between).toEqual(Array(6).fill(`running ${HTTP_IMAGE} on ${swarm.manager}`));
      await ok(['rolling-update', '--image', V2, 'web']);
    }
    const result = await load.stop();
    const after = (await replicas('web')).map((r) => `${r.State} ${r.Image} on ${r.Node}`);
    expect(after).toEqual(Array(6).fill(`running ${V2} on ${swarm.manager}`));
    const [s] = JSON.parse((await ok(['inspect', 'web'])).stdout);
    expect([s.Status, s.Image]).toEqual(['active', V2]);
    const how = code === 0 ? 'finished' : 'rolled back by Swarm, then run again';
    expect(report(`worker drained mid rolling update (${how})`, result)).toEqual([]);
    await run('docker', ['node', 'update', '--availability', 'active', swarm.worker]);
  });

  it('rm removes the service from both nodes', async () => {
    await ok(['rm', 'web']);
    await waitFor('no replica left on the worker', 60_000, async () =>
      (await swarm.onWorker(['ps', '-aq'])) === '' ? true : undefined,
    );
    expect((await ok(['ls', '-q'])).stdout.trim()).toBe('');
  });
});
