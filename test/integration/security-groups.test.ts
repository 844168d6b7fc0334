/**
 * Security groups against the real engine and HAProxy, with client containers on the tenant
 * network (their source address is known): an allowed prefix gets in, any other is refused, a
 * live update changes that without restarting anything, no group = open, a group with no ingress
 * rule = closed, and a group in use cannot be removed. Also: what source a host client reaching
 * a FIP on 127.0.0.1 appears as.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, LABEL_SCHEMA_VERSION, labelFilter, names } from '../../src/model/naming.js';
import { type SvcResult, svc } from '../support/cli.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  httpGet,
  newTenant,
  removeTenant,
  run,
  TCP_IMAGE,
  TWO_HTTP_REPLICAS,
  waitFor,
} from './support/harness.js';

const tenant = newTenant();
const clients: string[] = [];
const ip: Record<'a' | 'b', string> = { a: '', b: '' };
let gateway = '';

afterAll(async () => {
  await Promise.all(clients.map((c) => engine.removeContainer(c)));
  await removeTenant(tenant);
});

const sv = (args: string[]): Promise<SvcResult> => svc(args, { tenant });

function groupFile(name: string, body: string): string {
  const file = join(tmpdir(), `svc-sg-${tenant.slice(0, 8)}-${name}-${Date.now()}.yaml`);
  writeFileSync(file, body);
  return file;
}

function ingress(prefixes: string[], port?: number): string {
  const ports = port ? `    port_range_min: ${port}\n    port_range_max: ${port}\n` : '';
  return `rules:\n${prefixes.map((p) => `  - direction: ingress\n    protocol: tcp\n${ports}    remote_ip_prefix: ${p}\n`).join('')}`;
}

/**
 * GET http://NAME:PORT/ from client `who` (busybox nc: the image's static wget cannot resolve
 * names): the replica's hostname, or 'refused' when the connection is closed without an answer.
 */
async function fromClient(who: 'a' | 'b', service: string, port: number): Promise<string> {
  const id = clients[who === 'a' ? 0 : 1] as string;
  const r = await engine.exec(id, [
    'sh',
    '-c',
    `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${service} ${port}`,
  ]);
  if (!r.stdout.startsWith('HTTP/1.1 200')) return 'refused';
  return r.stdout.trim().split('\n').at(-1)?.trim() ?? '';
}

async function lb(service: string): Promise<{ id: string; started: string }> {
  const [c] = await engine.listContainers(labelFilter(tenant, service, 'lb'));
  if (!c) throw new Error(`no load balancer for ${service}`);
  const { stdout } = await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', c.id]);
  return { id: c.id, started: stdout.trim() };
}

async function create(service: string, port: number, extra: string[]): Promise<SvcResult> {
  return sv([
    'create',
    '--name',
    service,
    '--image',
    HTTP_IMAGE,
    '--service-port',
    String(port),
    '--container-port',
    '80',
    ...TWO_HTTP_REPLICAS,
    '--wait',
    ...extra,
  ]);
}

beforeAll(async () => {
  const net = names.network(tenant);
  await engine.ensureNetwork(net, {
    [LABEL.managed]: LABEL_SCHEMA_VERSION,
    [LABEL.tenant]: tenant,
    [LABEL.role]: 'network',
  });
  for (const who of ['a', 'b'] as const) {
    const { stdout } = await run('docker', [
      'run',
      '-d',
      '--network',
      net,
      '--name',
      `sgclient-${who}-${tenant.slice(0, 12)}`,
      // The tenant's labels: a killed run's clients go with its other leftovers.
      ...['--label', `${LABEL.managed}=1`, '--label', `${LABEL.tenant}=${tenant}`],
      TCP_IMAGE,
      'sleep',
      '3600',
    ]);
    const id = stdout.trim();
    clients.push(id);
    const inspected = await run('docker', [
      'inspect',
      '-f',
      `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`,
      id,
    ]);
    ip[who] = inspected.stdout.trim();
  }
  const gw = await run('docker', ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', net]);
  gateway = gw.stdout.trim();
  expect(ip.a).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
});

describe('security groups', () => {
  let port: number;

  it('sg create stores a group; ls and inspect show it', async () => {
    const c = await sv([
      'sg',
      'create',
      '-f',
      groupFile('office', `name: office\n${ingress([`${ip.a}/32`])}`),
    ]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      name: 'office',
      rules: [{ remote_ip_prefix: `${ip.a}/32` }],
    });
    const again = await sv([
      'sg',
      'create',
      '-f',
      groupFile('office2', `name: office\n${ingress(['10.0.0.0/8'])}`),
    ]);
    expect(again.code).toBe(4);
    const inspect = await sv(['sg', 'inspect', 'office']);
    expect(JSON.parse(inspect.stdout)).toEqual([JSON.parse(c.stdout)]);
    expect((await sv(['sg', 'ls', '-q'])).stdout).toBe('office\n');
  });

  it('create refuses a group that does not exist, creating nothing', async () => {
    const r = await create('nogroup', 8080, ['--sg', 'nope']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no such security group: nope/);
    expect(await engine.listContainers(labelFilter(tenant, 'nogroup'))).toEqual([]);
  });

  it('only an allowed prefix gets in; everyone else is refused', async () => {
    port = 8080;
    const r = await create('guarded', port, ['--sg', 'office']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).SecurityGroups).toEqual({ office: {} });
    expect(await fromClient('a', 'guarded', port)).toMatch(/^[0-9a-f]{12}$/);
    expect(await fromClient('b', 'guarded', port)).toBe('refused');
  });

  it('no group = open', async () => {
    const r = await create('open', 8081, []);
    expect(r.code).toBe(0);
    expect(await fromClient('a', 'open', 8081)).toMatch(/^[0-9a-f]{12}$/);
    expect(await fromClient('b', 'open', 8081)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('sg update applies live to running services, restarting nothing', async () => {
    const before = await lb('guarded');
    const u = await sv(['sg', 'update', '-f', groupFile('office3', ingress([`${ip.b}/32`], port)), 'office']);
    expect(u.stderr).toBe('');
    expect(u.code).toBe(0);
    expect(await fromClient('b', 'guarded', port)).toMatch(/^[0-9a-f]{12}$/);
    expect(await fromClient('a', 'guarded', port)).toBe('refused');
    expect(await lb('guarded')).toEqual(before);
    // A rule for another port admits nobody to this one.
    await sv(['sg', 'update', '-f', groupFile('office4', ingress([`${ip.a}/32`], port + 1)), 'office']);
    expect(await fromClient('a', 'guarded', port)).toBe('refused');
    expect(await fromClient('b', 'guarded', port)).toBe('refused');
  });

  it('a group with no ingress rule closes the service; egress rules are stored', async () => {
    const file = groupFile(
      'closed',
      'description: egress only\nrules:\n  - direction: egress\n    protocol: tcp\n',
    );
    const u = await sv(['sg', 'update', '-f', file, 'office']);
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout).rules).toEqual([
      {
        direction: 'egress',
        protocol: 'tcp',
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: '',
        remote_group_name: '',
      },
    ]);
    expect(await fromClient('a', 'guarded', port)).toBe('refused');
    expect(await fromClient('b', 'guarded', port)).toBe('refused');
  });

  it('scale keeps the rules', async () => {
    await sv(['sg', 'update', '-f', groupFile('office5', ingress([`${ip.a}/32`])), 'office']);
    const s = await sv(['scale', 'guarded=3']);
    expect(s.code).toBe(0);
    expect(await fromClient('a', 'guarded', port)).toMatch(/^[0-9a-f]{12}$/);
    expect(await fromClient('b', 'guarded', port)).toBe('refused');
  });

  it('a host client reaching the FIP on 127.0.0.1 appears as the tenant network gateway', async () => {
    const hostPort = await freePort();
    await sv(['sg', 'create', '-f', groupFile('gw', ingress([`${ip.a}/32`])), 'viahost']);
    const r = await create('hosted', hostPort, ['--sg', 'viahost', '--fip', '127.0.0.1']);
    expect(r.code).toBe(0);
    const url = `http://127.0.0.1:${hostPort}/`;
    await expect(httpGet(url, 3000)).rejects.toThrow();
    await sv(['sg', 'update', '-f', groupFile('gw2', ingress([`${gateway}/32`])), 'viahost']);
    const a = await waitFor('the host client let in', 10_000, async () => {
      const x = await httpGet(url, 3000);
      return x.status === 200 ? x : undefined;
    });
    expect(a.body.trim()).toMatch(/^[0-9a-f]{12}$/);
    console.log(`security groups: a host client on 127.0.0.1 appears as the gateway ${gateway}`);
  });

  it('sg rm is refused while a service uses the group (exit 4), then works', async () => {
    const r = await sv(['sg', 'rm', 'office']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/used by service guarded/);
    expect((await sv(['rm', 'guarded'])).code).toBe(0);
    const ok = await sv(['sg', 'rm', 'office']);
    expect(ok.code).toBe(0);
    expect((await sv(['sg', 'inspect', 'office'])).code).toBe(3);
    expect((await sv(['sg', 'rm', 'office'])).code).toBe(3);
  });

  it('refuses invalid group files with every problem and its place (exit 2)', async () => {
    const file = groupFile('bad', 'name: bad\nrules:\n  - direction: in\n    remote_ip_prefix: 10.0.0.1/8\n');
    const r = await sv(['sg', 'create', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(':3:16: rules[0].direction: expected ingress or egress');
    expect(r.stderr).toContain('did you mean 10.0.0.0/8?');
  });
});

describe('examples/security-group.yaml and examples/guarded.yaml, as written', () => {
  const examples = join(import.meta.dirname, '../../examples');
  const exTenant = newTenant();
  afterAll(() => removeTenant(exTenant));

  it('the group admits a host client on the FIP; a group update closes it at once', async () => {
    const g = await svc(['sg', 'create', '-f', join(examples, 'security-group.yaml')], { tenant: exTenant });
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
    const r = await svc(['create', '-f', join(examples, 'guarded.yaml'), '--wait'], { tenant: exTenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = await httpGet('http://127.0.0.1:8083/', 3000);
    expect(a.status).toBe(200);
    const closed = groupFile('ex-closed', ingress(['10.0.0.0/8']));
    expect((await svc(['sg', 'update', '-f', closed, 'office'], { tenant: exTenant })).code).toBe(0);
    await expect(httpGet('http://127.0.0.1:8083/', 3000)).rejects.toThrow();
    expect((await svc(['sg', 'rm', 'office'], { tenant: exTenant })).code).toBe(4);
    expect((await svc(['rm', 'guarded'], { tenant: exTenant })).code).toBe(0);
    expect((await svc(['sg', 'rm', 'office'], { tenant: exTenant })).code).toBe(0);
  });
});
