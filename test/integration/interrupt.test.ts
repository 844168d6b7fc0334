/**
 * Ctrl-C half-way through `svc create` removes what that create had made (exit 130).
 */
import { afterAll, expect, it } from 'vitest';
import { labelFilter, names } from '../../src/model/naming.js';
import { startSvc } from '../support/cli.js';
import { engine, HTTP_IMAGE, newTenant, removeTenant, run, waitFor } from './support/harness.js';

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

/**
 * Start `svc create` of 30 replicas, wait until `ready` says it is half-way (polling the engine),
 * send SIGINT, and check it exits 130, says so, and leaves nothing behind.
 */
async function interruptCreate(name: string, halfWay: string, ready: () => Promise<boolean>): Promise<void> {
  const create = startSvc(
    [
      'create',
      '--name',
      name,
      '--image',
      HTTP_IMAGE,
      '--service-port',
      '80',
      '--replicas',
      '30',
      '--size',
      's1',
    ],
    { tenant },
  );
  const { child, ended: exited } = create;
  let finished = false;
  void exited.then(() => {
    finished = true;
  });

  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (finished || (await ready())) break;
      if (Date.now() > deadline) throw new Error(`never saw ${halfWay}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    // The create must still be running when interrupted; else this test proves nothing.
    expect(finished, `create finished before the signal: ${create.stdout}${create.stderr}`).toBe(false);
    const replicasAtSignal = (await engine.listContainers(labelFilter(tenant, name, 'replica'))).length;
    expect(child.kill('SIGINT')).toBe(true);
    const { code, signal } = await exited;
    console.log(`interrupt (${halfWay}): ${replicasAtSignal} of 30 replicas existed at the signal`);

    expect(signal).toBeNull();
    expect(code).toBe(130);
    expect(create.stdout).toBe('');
    expect(create.stderr).toMatch(/^Error: interrupted/);
    expect(create.stderr).toMatch(/everything it had changed was undone/);
  } finally {
    if (!finished) child.kill('SIGKILL');
    await exited;
  }

  await waitFor('every container of the service gone', 10_000, async () =>
    (await engine.listContainers(labelFilter(tenant, name))).length === 0 ? true : undefined,
  );
  // The tenant network was made by this create, and nothing else uses it: gone too.
  const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${names.network(tenant)}`]);
  expect(nets.stdout.trim()).toBe('');
}

it('SIGINT once the load balancer exists exits 130, says so, and leaves nothing of the service', () =>
  interruptCreate(
    'ctrlc-lb',
    'the load balancer',
    async () => (await engine.listContainers(labelFilter(tenant, 'ctrlc-lb', 'lb'))).length > 0,
  ));

it('SIGINT once replicas are being created exits 130 and removes them all', () =>
  interruptCreate(
    'ctrlc-replicas',
    'replicas',
    async () => (await engine.listContainers(labelFilter(tenant, 'ctrlc-replicas', 'replica'))).length >= 3,
  ));
