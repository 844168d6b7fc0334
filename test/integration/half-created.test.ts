/**
 * A `svc create` killed with SIGKILL half-way (no rollback can run) leaves a half-created
 * service: `ls` and `inspect` show it as such, and `rm` removes all of it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter, names } from '../../src/model/naming.js';
import { startSvc, svc } from '../support/cli.js';
import { engine, HTTP_IMAGE, newTenant, removeTenant, run } from './support/harness.js';

const tenants: string[] = [];
afterAll(async () => {
  for (const t of tenants) await removeTenant(t);
});

/** Start a create of 20 replicas and SIGKILL it as soon as `ready` says so. */
async function killCreateWhen(
  tenant: string,
  name: string,
  ready: (roles: string[]) => boolean,
): Promise<string[]> {
  const { child, ended } = startSvc(
    [
      'create',
      '--name',
      name,
      '--image',
      HTTP_IMAGE,
      '--service-port',
      '80',
      '--replicas',
      '20',
      '--size',
      's1',
    ],
    { tenant },
  );
  const exited = ended.then(({ code }) => code);
  const deadline = Date.now() + 30_000;
  let roles: string[] = [];
  while (Date.now() < deadline) {
    roles = (await engine.listContainers(labelFilter(tenant, name))).map((c) => c.labels[LABEL.role] ?? '');
    if (ready(roles)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const killed = child.kill('SIGKILL');
  const code = await exited;
  expect(killed && code === null, 'the create must still be running when it is killed').toBe(true);
  return (await engine.listContainers(labelFilter(tenant, name))).map((c) => c.labels[LABEL.role] ?? '');
}

describe('a create killed with SIGKILL', () => {
  it.each([
    ['the load balancer exists', (roles: string[]) => roles.includes('lb')],
    ['the record exists', (roles: string[]) => roles.includes('record')],
    ['some replicas exist', (roles: string[]) => roles.filter((r) => r === 'replica').length >= 3],
  ])('when %s: ls shows it as failed, rm removes all of it', async (_when, ready) => {
    const tenant = newTenant();
    tenants.push(tenant);
    const left = await killCreateWhen(tenant, 'half', ready);
    expect(left.length).toBeGreaterThan(0);

    const ls = await svc(['ls', '-o', 'json'], { tenant });
    expect(ls.code).toBe(0);
    const [listed] = JSON.parse(ls.stdout);
    expect(listed.Name).toBe('half');
    // Never shown as healthy: failed (no record, or the load balancer never started) or degraded.
    expect(['failed', 'degraded']).toContain(listed.Status);
    expect(listed.Message).not.toBe('Scaling complete');

    const rm = await svc(['rm', 'half'], { tenant });
    expect(rm.stderr).toBe('');
    expect(rm.code).toBe(0);
    expect(await engine.listContainers(labelFilter(tenant))).toEqual([]);
    const again = await svc(['ls', '-q'], { tenant });
    expect(again.stdout).toBe('');
    const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${names.network(tenant)}`]);
    expect(nets.stdout.trim()).toBe('');
  });
});
