/**
 * `svc rm` against the real engine: everything a service made goes (the tenant network with the
 * last one), --keep leaves the replicas running, and half-created services (a svc create killed
 * with SIGKILL, or parts removed by hand) are listed as such and removed completely.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter, names } from '../../src/model/naming.js';
import { startSvc, svc } from '../support/cli.js';
import {
  engine,
  HTTP_IMAGE,
  httpGet,
  lbServers,
  newTenant,
  removeTenant,
  run,
  TCP_IMAGE,
  waitFor,
} from './support/harness.js';

const tenants: string[] = [];
function tenantForTest(): string {
  const t = newTenant();
  tenants.push(t);
  return t;
}
afterAll(() => Promise.all(tenants.map((t) => removeTenant(t))));

const FAST = ['--health-check-interval', '1', '--health-check-rise', '1'];

async function create(tenant: string, name: string, extra: string[] = []): Promise<void> {
  const r = await svc(['create', '--name', name, '--service-port', '9000', ...FAST, ...extra, TCP_IMAGE], {
    tenant,
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

async function networkExists(tenant: string): Promise<boolean> {
  const { stdout } = await run('docker', [
    'network',
    'ls',
    '--filter',
    `name=^${names.network(tenant)}$`,
    '-q',
  ]);
  return stdout.trim() !== '';
}

async function objectsOf(tenant: string, service?: string) {
  return engine.listContainers(labelFilter(tenant, service));
}

describe('svc rm', () => {
  it('removes load balancer, replicas and records; the network goes with the last service', async () => {
    const tenant = tenantForTest();
    await create(tenant, 'one', ['--replicas', '2']);
    await create(tenant, 'two');
    expect(await objectsOf(tenant, 'one')).toHaveLength(4);

    const r = await svc(['rm', '-t', '1', 'one'], { tenant });
    expect(r).toEqual({ code: 0, stdout: 'one\n', stderr: '' });
    expect(await objectsOf(tenant, 'one')).toEqual([]);
    expect(await networkExists(tenant)).toBe(true); // two still uses it
    expect((await svc(['ls', '-q'], { tenant })).stdout).toBe('two\n');

    const last = await svc(['rm', '-t', '1', 'two', '-o', 'json'], { tenant });
    expect(last.code).toBe(0);
    expect(JSON.parse(last.stdout)).toEqual(['two']);
    expect(await objectsOf(tenant)).toEqual([]);
    expect(await networkExists(tenant)).toBe(false);
  });

  it('removes the others, then exits 3 for a name that does not exist', async () => {
    const tenant = tenantForTest();
    await create(tenant, 'a');
    await create(tenant, 'b');
    const r = await svc(['rm', '-t', '0', 'a', 'nope', 'b'], { tenant });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('a\nb\n');
    expect(r.stderr).toBe('Error: no such service: nope\n');
    expect(await objectsOf(tenant)).toEqual([]);
    const again = await svc(['rm', 'a'], { tenant });
    expect(again).toEqual({ code: 3, stdout: '', stderr: 'Error: no such service: a\n' });
  });

  it('never touches a service of the same name in another tenant', async () => {
    const mine = tenantForTest();
    const theirs = tenantForTest();
    await create(theirs, 'same');
    const r = await svc(['rm', 'same'], { tenant: mine });
    expect(r.code).toBe(3);
    expect(await objectsOf(theirs, 'same')).toHaveLength(3);
  });

  it('--keep leaves the replicas running, unmanaged, and frees the name', async () => {
    const tenant = tenantForTest();
    await create(tenant, 'kept', ['--replicas', '2']);
    const before = await engine.listContainers(labelFilter(tenant, 'kept', 'replica'));

    const r = await svc(['rm', '--keep', 'kept'], { tenant });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('kept\n');
    expect(r.stderr).toMatch(/note: kept: left running as kept-1-[0-9a-f]{8}_kept_[0-9a-f]{8}\n/);

    const after = await objectsOf(tenant, 'kept');
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    for (const c of after) {
      expect(c.state).toBe('running');
      expect(c.name).toMatch(/_kept_[0-9a-f]{8}$/);
      // Labels cannot change on a container: they stay, and svc passes these by.
      expect(c.labels[LABEL.role]).toBe('replica');
    }
    // Still answering on the tenant network, which stays.
    expect(await networkExists(tenant)).toBe(true);
    const { stdout } = await run('docker', [
      'exec',
      after[0]?.id as string,
      'sh',
      '-c',
      'echo | nc 127.0.0.1 9000',
    ]);
    expect(stdout).toMatch(/^hello from /);

    expect((await svc(['ls', '-q'], { tenant })).stdout).toBe('');
    expect((await svc(['inspect', 'kept'], { tenant })).code).toBe(3);
    // The name is free again, and the new service's load balancer reaches its own replica by
    // name, not the one let go of.
    await create(tenant, 'kept', ['--wait', '--timeout', '60s']);
    expect((await svc(['ls', '-q'], { tenant })).stdout).toBe('kept\n');
    const [lb] = await engine.listContainers(labelFilter(tenant, 'kept', 'lb'));
    const [fresh] = await engine
      .listContainers(labelFilter(tenant, 'kept', 'replica'))
      .then((cs) => cs.filter((c) => !c.name.includes('_kept_')));
    const [r1] = await lbServers(lb?.id as string);
    expect(r1).toMatchObject({ server: 'r1', status: 'UP', check: 'L4OK' });
    // …and it answers through the new service's load balancer (not from the kept replica).
    const via = await run('docker', [
      'exec',
      lb?.id as string,
      'sh',
      '-c',
      `echo | nc ${names.replica(tenant, 'kept', 1)} 9000`,
    ]);
    expect(via.stdout).toMatch(new RegExp(`^hello from ${fresh?.id.slice(0, 12)}\n`));
  });

  it('waits for a replica to stop gracefully (its stop signal), then kills it after --timeout', async () => {
    const tenant = tenantForTest();
    // The image's PID 1 (a shell) stops on SIGTERM but ignores SIGUSR1, which has no handler:
    // with it as the stop signal, rm waits the whole timeout, then kills.
    const r0 = await svc(
      ['create', '--name', 'slow', '--service-port', '80', '--stop-signal', 'SIGUSR1', HTTP_IMAGE],
      { tenant },
    );
    expect(r0.code).toBe(0);
    const started = Date.now();
    const r = await svc(['rm', '--timeout', '3s', 'slow'], { tenant });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await objectsOf(tenant)).toEqual([]);
  });
});

describe('half-created services', () => {
  it('a service whose load balancer was removed by hand is failed, and rm removes the rest', async () => {
    const tenant = tenantForTest();
    await create(tenant, 'nolb', ['--replicas', '2']);
    await run('docker', ['rm', '-f', names.lb(tenant, 'nolb')]);

    const [s] = JSON.parse((await svc(['ls', '-o', 'json'], { tenant })).stdout) as Array<
      Record<string, unknown>
    >;
    expect(s).toMatchObject({ Name: 'nolb', Status: 'failed', IP: '' });
    expect(s?.Message).toMatch(
      /^incomplete: no load balancer \(left by an interrupted command\); remove the service$/,
    );
    const [i] = JSON.parse((await svc(['inspect', 'nolb'], { tenant })).stdout) as Array<
      Record<string, unknown>
    >;
    expect(i).toMatchObject({ Status: 'failed', LoadBalancer: null, Revision: 1 });

    const r = await svc(['rm', '-t', '0', 'nolb'], { tenant });
    expect(r).toEqual({ code: 0, stdout: 'nolb\n', stderr: '' });
    expect(await objectsOf(tenant)).toEqual([]);
    expect(await networkExists(tenant)).toBe(false);
  });

  it('a lone replica made by hand with the labels (no record, no load balancer) is failed and removable', async () => {
    const tenant = tenantForTest();
    await run('docker', [
      'create',
      '--name',
      `orphan-1-${tenant.slice(0, 8)}`,
      '--label',
      `${LABEL.managed}=1`,
      '--label',
      `${LABEL.tenant}=${tenant}`,
      '--label',
      `${LABEL.service}=orphan`,
      '--label',
      `${LABEL.role}=replica`,
      '--label',
      `${LABEL.replica}=1`,
      TCP_IMAGE,
    ]);
    const ls = await svc(['ls'], { tenant });
    expect(ls.stdout.split('\n')[1]?.split(/\s{2,}/)).toEqual([
      'orphan',
      TCP_IMAGE,
      '0/1',
      '-',
      '-',
      '-',
      'failed',
      'local',
    ]);
    const r = await svc(['rm', 'orphan'], { tenant });
    expect(r).toEqual({ code: 0, stdout: 'orphan\n', stderr: '' });
    expect(await objectsOf(tenant)).toEqual([]);
  });

  /** Start `svc create` of 30 replicas and SIGKILL it once `ready` says so. */
  async function killCreate(tenant: string, name: string, ready: () => Promise<boolean>): Promise<void> {
    const create = startSvc(
      ['create', '--name', name, '--service-port', '80', '--replicas', '30', '--size', 's1', HTTP_IMAGE],
      { tenant },
    );
    await waitFor('create to be half-way', 60_000, async () => ((await ready()) ? true : undefined));
    create.child.kill('SIGKILL');
    expect((await create.ended).signal).toBe('SIGKILL');
  }

  it('svc create killed (SIGKILL) right after making its load balancer: listed failed, removed by rm', async () => {
    const tenant = tenantForTest();
    await killCreate(tenant, 'early', async () => (await objectsOf(tenant, 'early')).length > 0);
    const left = await objectsOf(tenant, 'early');
    expect(left.length).toBeGreaterThan(0);
    // Killed before its replicas all ran and before the load balancer (started last) did.
    const running = left.filter((c) => c.state === 'running');
    expect(running.filter((c) => c.labels[LABEL.role] === 'replica').length).toBeLessThan(30);
    expect(running.filter((c) => c.labels[LABEL.role] === 'lb')).toEqual([]);

    const [s] = JSON.parse((await svc(['ls', '-o', 'json'], { tenant })).stdout) as Array<
      Record<string, unknown>
    >;
    expect(s).toMatchObject({ Name: 'early', Status: 'failed' });
    const inspect = await svc(['inspect', 'early'], { tenant });
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)[0].Status).toBe('failed');

    const r = await svc(['rm', '-t', '0', 'early'], { tenant });
    expect(r).toEqual({ code: 0, stdout: 'early\n', stderr: '' });
    expect(await objectsOf(tenant)).toEqual([]);
    expect(await networkExists(tenant)).toBe(false);
  });

  it('svc create killed (SIGKILL) while making replicas: listed, and removed completely by rm', async () => {
    const tenant = tenantForTest();
    const replicas = () => engine.listContainers(labelFilter(tenant, 'late', 'replica'));
    await killCreate(tenant, 'late', async () => (await replicas()).length >= 3);
    // Replicas are all created in one step and then started, so the kill may find all 30 created;
    // what it interrupts is the starting: not every replica runs, and the load balancer (started
    // last) never did.
    const made = await replicas();
    expect(made.length).toBeGreaterThanOrEqual(3);
    expect(made.filter((c) => c.state === 'running').length).toBeLessThan(30);
    const lb = await engine.listContainers(labelFilter(tenant, 'late', 'lb'));
    expect(lb).toHaveLength(1);
    expect(lb[0]?.state).not.toBe('running');

    const ls = await svc(['ls', '-o', 'json'], { tenant });
    const [s] = JSON.parse(ls.stdout) as Array<Record<string, unknown>>;
    expect(s?.Name).toBe('late');
    expect(['failed', 'degraded']).toContain(s?.Status);
    expect(s?.Message).toMatch(/missing|incomplete|no replica|load balancer is/);

    const r = await svc(['rm', '-t', '0', 'late'], { tenant });
    expect(r).toEqual({ code: 0, stdout: 'late\n', stderr: '' });
    // Anything the killed create had in flight is gone too (it was not there to finish it).
    await new Promise((res) => setTimeout(res, 500));
    expect(await objectsOf(tenant)).toEqual([]);
    expect(await networkExists(tenant)).toBe(false);
  });
});

describe('after rm, the service port is free again', () => {
  it('a service on a FIP can be re-created on the same port', async () => {
    const tenant = tenantForTest();
    const { freePort } = await import('./support/harness.js');
    const port = await freePort();
    const args = [
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--protocol',
      'http',
      '--fip',
      '127.0.0.1',
    ];
    const mk = () =>
      svc(['create', '--name', 'again', ...FAST, ...args, '--wait', '--timeout', '60s', HTTP_IMAGE], {
        tenant,
      });
    expect((await mk()).code).toBe(0);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect((await svc(['rm', '-t', '0', 'again'], { tenant })).code).toBe(0);
    await expect(httpGet(`http://127.0.0.1:${port}/`, 1000)).rejects.toThrow();
    expect((await mk()).code).toBe(0);
  });
});
