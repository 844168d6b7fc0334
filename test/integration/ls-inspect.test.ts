/**
 * `svc ls` and `svc inspect` against the real engine and a real HAProxy: output shapes, filters,
 * tenant isolation, the load balancer's view of each replica, and self-healing made visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LABEL, labelFilter, names } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import { SERVICE_KEYS } from '../support/seed.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  newTenant,
  removeTenant,
  run,
  TCP_IMAGE,
  waitFor,
} from './support/harness.js';

const tenant = newTenant();
const other = newTenant();
afterAll(() => Promise.all([removeTenant(tenant), removeTenant(other)]));

/** Fast health checks, so that --wait and recoveries take a second or two. */
const FAST = ['--health-check-interval', '1', '--health-check-rise', '1', '--health-check-fall', '2'];

async function create(args: string[], inTenant = tenant): Promise<void> {
  const r = await svc(['create', ...FAST, '--wait', '--timeout', '60s', ...args], { tenant: inTenant });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

type Json = Record<string, unknown>;
interface Detail {
  Number: number;
  ID: string;
  Name: string;
  Image: string;
  State: string;
  LB: string | null;
  Check: string | null;
}

async function inspectOne(name: string): Promise<Json & { ReplicaDetail: Detail[] }> {
  const r = await svc(['inspect', name], { tenant });
  expect(r.code).toBe(0);
  const [s] = JSON.parse(r.stdout) as Array<Json & { ReplicaDetail: Detail[] }>;
  return s as Json & { ReplicaDetail: Detail[] };
}

let port: number;
beforeAll(async () => {
  port = await freePort();
  // The first create in a tenant makes its network: concurrent first creates race to make it.
  await create([
    '--name',
    'web',
    '--replicas',
    '2',
    '--protocol',
    'http',
    '--service-port',
    String(port),
    '--container-port',
    '80',
    '--fip',
    '127.0.0.1',
    '-l',
    'tier=front',
    '-l',
    'app=shop',
    HTTP_IMAGE,
  ]);
  await Promise.all([
    create(['--name', 'api', '--service-port', '9000', '-l', 'tier=back', TCP_IMAGE]),
    create(['--name', 'secret', '--service-port', '9000', TCP_IMAGE], other),
  ]);
});

describe('svc ls', () => {
  it('prints a table: one row a service, replicas up/desired, unset FIP as -', async () => {
    const r = await svc(['ls'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+IMAGE\s+REPLICAS\s+PROTOCOL\s+SERVICE PORT\s+FIP\s+STATUS\s+BACKEND$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['api', TCP_IMAGE, '1/1', 'tcp', '9000', '-', 'active', 'local'],
      ['web', HTTP_IMAGE, '2/2', 'http', String(port), '127.0.0.1', 'active', 'local'],
    ]);
  });

  it('prints the Service JSON of each with -o json, in the seed’s field order', async () => {
    const r = await svc(['ls', '-o', 'json'], { tenant });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Json[];
    expect(list.map((s) => s.Name)).toEqual(['api', 'web']);
    const web = list[1] as Json;
    expect(Object.keys(web)).toEqual(SERVICE_KEYS);
    expect(web).toMatchObject({
      Name: 'web',
      Image: HTTP_IMAGE,
      Replicas: 2,
      ServicePort: port,
      ContainerPort: 80,
      Protocol: 'http',
      Labels: { tier: 'front', app: 'shop' },
      FIP: '127.0.0.1',
      Tenant: tenant,
      Status: 'active',
      Message: 'Scaling complete',
    });
    const [lb] = await engine.listContainers(labelFilter(tenant, 'web', 'lb'));
    expect(web.IP).toBe(lb?.addresses[names.network(tenant)]);
    const replicas = await engine.listContainers(labelFilter(tenant, 'web', 'replica'));
    expect((web.Containers as string[]).sort()).toEqual(replicas.map((c) => c.id).sort());
    const [record] = await engine.listContainers(labelFilter(tenant, 'web', 'record'));
    expect(web.Created).toBe(record?.labels[LABEL.created]);
    expect(web.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('prints the same as YAML with -o yaml, and names alone with -q', async () => {
    const yaml = await svc(['ls', '-o', 'yaml'], { tenant });
    expect(yaml.code).toBe(0);
    const json = await svc(['ls', '-o', 'json'], { tenant });
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    const q = await svc(['ls', '-q'], { tenant });
    expect(q).toEqual({ code: 0, stdout: 'api\nweb\n', stderr: '' });
  });

  it('filters by name, label and status (repeatable)', async () => {
    const names = async (...filters: string[]) => {
      const r = await svc(['ls', '-q', ...filters.flatMap((f) => ['--filter', f])], { tenant });
      expect(r.code).toBe(0);
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(await names('name=web')).toEqual(['web']);
    expect(await names('name=a*')).toEqual(['api']);
    expect(await names('label=tier=back')).toEqual(['api']);
    expect(await names('label=tier')).toEqual(['api', 'web']);
    expect(await names('label=tier', 'label=app=shop')).toEqual(['web']);
    expect(await names('status=active', 'name=web', 'name=api')).toEqual(['api', 'web']);
    expect(await names('status=failed')).toEqual([]);
    const bad = await svc(['ls', '--filter', 'colour=red'], { tenant });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Error: --filter colour=red: unknown filter "colour"/);
  });

  it('never shows another tenant’s services, nor lets them be inspected', async () => {
    const mine = await svc(['ls', '-q'], { tenant });
    expect(mine.stdout).not.toContain('secret');
    const theirs = await svc(['ls', '-q'], { tenant: other });
    expect(theirs.stdout).toBe('secret\n');
    const r = await svc(['inspect', 'secret'], { tenant });
    expect(r.code).toBe(3);
    const empty = await svc(['ls', '-o', 'json'], { tenant: newTenant() });
    expect(empty).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('svc inspect', () => {
  it('prints a JSON array: the seed’s fields in order, then revision, load balancer, replicas as HAProxy sees them', async () => {
    const r = await svc(['inspect', 'web'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Json & { ReplicaDetail: Detail[] }>;
    expect(list).toHaveLength(1);
    const web = list[0] as Json & { ReplicaDetail: Detail[] };
    expect(Object.keys(web)).toEqual([
      ...SERVICE_KEYS,
      'Backend',
      'Revision',
      'LoadBalancer',
      'ReplicaDetail',
    ]);
    expect(web).toMatchObject({ Name: 'web', Status: 'active', Message: 'Scaling complete', Revision: 1 });
    const [lb] = await engine.listContainers(labelFilter(tenant, 'web', 'lb'));
    expect(web.LoadBalancer).toEqual({
      ID: lb?.id,
      Name: names.lb(tenant, 'web'),
      Image: lb?.image,
      State: 'running',
    });
    const replicas = await engine.listContainers(labelFilter(tenant, 'web', 'replica'));
    expect(web.ReplicaDetail).toEqual(
      [1, 2].map((n) => ({
        Number: n,
        ID: replicas.find((c) => c.labels[LABEL.replica] === String(n))?.id,
        Name: names.replica(tenant, 'web', n),
        Image: HTTP_IMAGE,
        State: 'running',
        LB: 'UP',
        Check: 'L4OK',
        CheckCode: null,
        Health: null,
      })),
    );
  });

  it('prints several in the order asked, YAML with -o yaml', async () => {
    const r = await svc(['inspect', 'web', 'api', '-o', 'yaml'], { tenant });
    expect(r.code).toBe(0);
    expect((parseYaml(r.stdout) as Json[]).map((s) => s.Name)).toEqual(['web', 'api']);
  });

  it('exits 3 for a name not found, after printing the ones found (like docker inspect)', async () => {
    const r = await svc(['inspect', 'web', 'nope'], { tenant });
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as Json[]).map((s) => s.Name)).toEqual(['web']);
    expect(r.stderr).toBe('Error: no such service: nope\n');
    const none = await svc(['inspect', 'nope', '-o', 'json'], { tenant });
    expect(none.code).toBe(3);
    expect(none.stdout).toBe('[]\n');
    expect(JSON.parse(none.stderr)).toEqual({ message: 'no such service: nope', status: 404 });
  });
});

describe('self-healing, visible', () => {
  it('a replica removed by hand: ls and inspect say degraded, and inspect names it', async () => {
    await create(['--name', 'heal', '--replicas', '2', '--service-port', '9000', TCP_IMAGE]);
    await run('docker', ['rm', '-f', names.replica(tenant, 'heal', 2)]);

    const ls = await svc(['ls', '-o', 'json', '--filter', 'name=heal'], { tenant });
    const [fromLs] = JSON.parse(ls.stdout) as Json[];
    expect(fromLs).toMatchObject({
      Status: 'degraded',
      Message: expect.stringMatching(/^1\/2 replicas up; missing: heal-2-/),
    });
    const table = await svc(['ls', '--filter', 'name=heal'], { tenant });
    expect(table.stdout.split('\n')[1]?.split(/\s{2,}/)).toEqual([
      'heal',
      TCP_IMAGE,
      '1/2',
      'tcp',
      '9000',
      '-',
      'degraded',
      'local',
    ]);

    const s = await inspectOne('heal');
    expect(s.Status).toBe('degraded');
    expect(s.Message).toContain(
      `missing: ${names.replica(tenant, 'heal', 2)} (scaling to 2 again recreates them)`,
    );
    expect(s.Containers).toHaveLength(1);
    expect(s.ReplicaDetail.map((d) => [d.Number, d.State, d.ID === ''])).toEqual([
      [1, 'running', false],
      [2, 'missing', true],
    ]);
  });

  it('a replica that crashes is restarted by the engine and is UP again behind the load balancer', async () => {
    // The replica's server runs under a shell; killing the server is a crash (exit 137).
    await create([
      '--name',
      'crash',
      '--replicas',
      '2',
      '--service-port',
      '80',
      '--entrypoint',
      'sh -c',
      HTTP_IMAGE,
      '/bin/serve-http & wait',
    ]);
    const victim = names.replica(tenant, 'crash', 1);
    await run('docker', ['exec', victim, 'sh', '-c', 'kill -9 $(pidof httpd)']);

    const restarts = await waitFor('the engine to restart the replica', 30_000, async () => {
      const { stdout } = await run('docker', ['inspect', '-f', '{{.RestartCount}}', victim]);
      return Number(stdout.trim()) >= 1 ? Number(stdout.trim()) : undefined;
    });
    expect(restarts).toBeGreaterThanOrEqual(1);
    const healed = await waitFor('inspect to show every replica UP again', 60_000, async () => {
      const s = await inspectOne('crash');
      return s.Status === 'active' && s.ReplicaDetail.every((d) => d.LB === 'UP') ? s : undefined;
    });
    expect(healed.ReplicaDetail.map((d) => [d.Name, d.State, d.LB])).toEqual([
      [victim, 'running', 'UP'],
      [names.replica(tenant, 'crash', 2), 'running', 'UP'],
    ]);
  });

  it('a stopped load balancer: inspect reads no view and says failed', async () => {
    await create(['--name', 'nolb', '--service-port', '9000', TCP_IMAGE]);
    await run('docker', ['stop', '-t', '1', names.lb(tenant, 'nolb')]);
    const s = await inspectOne('nolb');
    expect(s).toMatchObject({
      Status: 'failed',
      Message: 'the load balancer is exited; the next change of the service starts it',
    });
    expect(s.ReplicaDetail.map((d) => [d.State, d.LB, d.Check])).toEqual([['running', null, null]]);
  });
});
