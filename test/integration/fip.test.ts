/** attach-fip / detach-fip against the real engine: publish, unpublish, conflicts, bad addresses. */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  run,
  TWO_HTTP_REPLICAS,
} from './support/harness.js';

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

async function replicaIds(name: string): Promise<string[]> {
  return (await engine.listContainers(labelFilter(tenant, name, 'replica'))).map((c) => c.id).sort();
}

describe('attach-fip and detach-fip', () => {
  let port: number;
  let replicasBefore: string[];

  beforeAll(async () => {
    port = await freePort();
    const r = await svc(
      [
        'create',
        '--name',
        'pub',
        '--image',
        HTTP_IMAGE,
        '--service-port',
        String(port),
        '--container-port',
        '80',
        ...TWO_HTTP_REPLICAS,
        '--wait',
      ],
      { tenant },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).FIP).toBe('');
    replicasBefore = await replicaIds('pub');
  });

  it('attach publishes the port on the host, prints the Service, leaves the replicas untouched', async () => {
    const r = await svc(['attach-fip', '--fip', '127.0.0.1', 'pub'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [service] = JSON.parse(r.stdout);
    expect(service).toMatchObject({ Name: 'pub', FIP: '127.0.0.1', Status: 'active' });
    const { failures, bodies } = await httpGetMany(`http://127.0.0.1:${port}/`, 6);
    expect(failures).toEqual([]);
    expect(new Set(bodies).size).toBe(2);
    expect(await replicaIds('pub')).toEqual(replicasBefore);
    expect(await engine.listContainers(labelFilter(tenant, 'pub', 'lb'))).toHaveLength(1);
  });

  it('a second FIP is a conflict (exit 4), and nothing changes', async () => {
    const r = await svc(['attach-fip', '--fip', '0.0.0.0', 'pub'], { tenant });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/already has FIP 127\.0\.0\.1/);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 2)).failures).toEqual([]);
  });

  it('detach unpublishes; the service stays on the tenant network', async () => {
    const r = await svc(['detach-fip', 'pub'], { tenant });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ FIP: '', Status: 'active' });
    const { failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 1);
    expect(failures).toHaveLength(1);
    expect(await replicaIds('pub')).toEqual(replicasBefore);
  });

  it('a host port already taken is a clear conflict, and the service is unchanged', async () => {
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await svc(['attach-fip', '--fip', '127.0.0.1', 'pub'], { tenant });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
    const lbs = await engine.listContainers(labelFilter(tenant, 'pub', 'lb'));
    expect(lbs.map((c) => c.state)).toEqual(['running']);
    const [inspected] = JSON.parse((await svc(['inspect', 'pub'], { tenant })).stdout);
    expect(inspected).toMatchObject({ FIP: '', Status: 'active' });
  });

  it('an address the host does not have is refused, and the service is unchanged', async () => {
    const r = await svc(['attach-fip', '--fip', '192.0.2.1', 'pub'], { tenant });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/192\.0\.2\.1 is not an address of the engine's host/);
    const [inspected] = JSON.parse((await svc(['inspect', 'pub'], { tenant })).stdout);
    expect(inspected).toMatchObject({ FIP: '', Status: 'active' });
  });

  it('a replica its restart policy once started again (it was killed) does not fail attach or detach', async () => {
    // Their new load balancer waits for the running replicas: one that exited once, before the
    // command, is not one that exits while the command waits for it.
    const [victim] = await replicaIds('pub');
    // A crash: its process dies (docker kill would count as a manual stop, which is not restarted).
    const { stdout: pid } = await run('docker', ['inspect', '--format', '{{.State.Pid}}', victim as string]);
    process.kill(Number(pid.trim()), 'SIGKILL');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await engine.inspectContainer(victim as string);
      if (d.state === 'running' && (d.restartCount ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`not running again after its kill: ${d.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const args of [
      ['attach-fip', '--fip', '127.0.0.1', 'pub'],
      ['detach-fip', 'pub'],
    ]) {
      const r = await svc(args, { tenant });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(await replicaIds('pub')).toEqual(replicasBefore);
  });

  it('refuses a malformed address (exit 2) and an unknown service (exit 3)', async () => {
    expect((await svc(['attach-fip', '--fip', 'not-an-ip', 'pub'], { tenant })).code).toBe(2);
    expect((await svc(['attach-fip', 'pub'], { tenant })).code).toBe(2);
    const missing = await svc(['detach-fip', 'nope'], { tenant });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no such service: nope/);
  });
});
