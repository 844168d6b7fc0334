/**
 * `svc create` against the real engine and a real HAProxy, with real HTTP and TCP clients.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter, names } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import { SERVICE_KEYS, seedSpec } from '../support/seed.js';
import {
  countBy,
  engine,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  TCP_IMAGE,
} from './support/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'svc-it-'));
function specFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

describe('an http service on a FIP', () => {
  let port: number;
  let file: string;
  let created: Record<string, unknown>;

  beforeAll(async () => {
    port = await freePort();
    file = specFile(
      'service.yaml',
      `Name: http\nImage: ${HTTP_IMAGE}\nContainerPort: 80\nReplicas: 2\nProtocol: http\nServicePort: ${port}\nFIP: 127.0.0.1\nLabels:\n  app: nginx\n`,
    );
    const r = await svc(['create', '-f', file, '--wait', '--timeout', '60s'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    created = JSON.parse(r.stdout);
  });

  it('prints the Service JSON with the seed fields in the seed order', async () => {
    expect(Object.keys(created)).toEqual(SERVICE_KEYS);
    expect(created).toMatchObject({
      ...seedSpec,
      Image: HTTP_IMAGE,
      ServicePort: port,
      Tenant: tenant,
      FIP: '127.0.0.1',
      Message: 'Service is created',
      Status: 'created',
    });
    expect(created.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const lb = await engine.listContainers(labelFilter(tenant, 'http', 'lb'));
    expect(lb).toHaveLength(1);
    const detail = await engine.inspectContainer(lb[0]?.id as string);
    expect(created.IP).toBe(detail.addresses[names.network(tenant)]);
    const replicas = await engine.listContainers(labelFilter(tenant, 'http', 'replica'));
    expect((created.Containers as string[]).sort()).toEqual(replicas.map((c) => c.id).sort());
    for (const id of created.Containers as string[]) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers on the FIP, from every replica in turn (round robin)', async () => {
    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 20);
    expect(failures).toEqual([]);
    const hosts = await replicaHostnames(tenant, 'http');
    const counts = countBy(bodies);
    expect(Object.keys(counts).sort()).toEqual([...hosts.keys()].sort());
    for (const c of Object.values(counts)) expect(c).toBe(10);
  });

  it('labels every object it made with tenant, service, role and spec hash', async () => {
    const all = await engine.listContainers(labelFilter(tenant, 'http'));
    expect(all.map((c) => c.labels[LABEL.role]).sort()).toEqual(['lb', 'record', 'replica', 'replica']);
    const hashes = new Set(all.map((c) => c.labels[LABEL.specHash]));
    expect(hashes.size).toBe(1);
    const record = all.find((c) => c.labels[LABEL.role] === 'record');
    expect(record?.state).toBe('created');
    expect(record?.labels[LABEL.revision]).toBe('1');
    const stored = JSON.parse(record?.labels[LABEL.spec] ?? '{}');
    expect(stored).toMatchObject({ Name: 'http', Replicas: 2, ServicePort: port, FIP: '127.0.0.1' });
    for (const r of all.filter((c) => c.labels[LABEL.role] === 'replica')) expect(r.labels.app).toBe('nginx');
  });

  it('refuses a second create of the same name (exit 4) and leaves the first untouched', async () => {
    const before = (await engine.listContainers(labelFilter(tenant, 'http'))).map((c) => c.id).sort();
    const r = await svc(['create', '-f', file], { tenant });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: service "http" already exists.*; remove it with: svc rm http\n$/);
    const after = await engine.listContainers(labelFilter(tenant, 'http'));
    expect(after.map((c) => c.id).sort()).toEqual(before);
    expect(after.filter((c) => c.labels[LABEL.role] !== 'record').every((c) => c.state === 'running')).toBe(
      true,
    );
    const { failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 4);
    expect(failures).toEqual([]);
  });

  it('is reachable without the FIP on the tenant network, at NAME:PORT and IP:PORT', async () => {
    const network = names.network(tenant);
    for (const host of ['http', created.IP as string]) {
      const { stdout } = await run('docker', [
        'run',
        '--rm',
        '--network',
        network,
        HTTP_IMAGE,
        'wget',
        '-qO-',
        `http://${host}:${port}/`,
      ]);
      expect([...(await replicaHostnames(tenant, 'http')).keys()]).toContain(stdout.trim());
    }
  });
});

describe('a tcp service from flags (the old CLI shape)', () => {
  let port: number;
  let service: Record<string, unknown>;

  beforeAll(async () => {
    port = await freePort();
    const r = await svc(
      [
        'create',
        '--name',
        'api',
        '--image',
        TCP_IMAGE,
        '--service-port',
        String(port),
        '--container-port',
        '9000',
        '--replicas',
        '3',
        '-e',
        'MODE=prod',
        '--protocol',
        'tcp',
        '--fip',
        '127.0.0.1',
        '--size',
        's2',
        '--wait',
      ],
      { tenant },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    service = JSON.parse(r.stdout);
  });

  it('creates 3 replicas with the flags honoured', async () => {
    expect(service).toMatchObject({
      Name: 'api',
      Replicas: 3,
      Protocol: 'tcp',
      Env: ['MODE=prod'],
      ContainerSize: 's2',
    });
    const { stdout } = await run('docker', ['inspect', ...(service.Containers as string[])]);
    const inspected = JSON.parse(stdout) as Array<{
      Config: { Env: string[] };
      HostConfig: { Memory: number; RestartPolicy: { Name: string } };
    }>;
    expect(inspected).toHaveLength(3);
    for (const c of inspected) {
      expect(c.Config.Env).toContain('MODE=prod');
      expect(c.HostConfig.Memory).toBe(128 * 1024 * 1024);
      expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    }
  });

  it('carries a raw TCP exchange through the load balancer', async () => {
    const hosts = await replicaHostnames(tenant, 'api');
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (c) => {
        buf += c;
        if (buf.includes('ping-42\n')) {
          s.end();
          resolve(buf);
        }
      });
      s.on('connect', () => s.write('ping-42\n'));
      s.on('error', reject);
      setTimeout(() => reject(new Error(`no echo; got ${JSON.stringify(buf)}`)), 5000);
    });
    const [hello, echo] = answer.split('\n');
    expect(hosts.has((hello ?? '').replace('hello from ', ''))).toBe(true);
    expect(echo).toBe('ping-42');
  });
});

describe('failures', () => {
  it('an invalid spec exits 2, lists every problem and never reaches the engine', async () => {
    const file = specFile('bad.yaml', 'Name: Bad_Name\nImage: x\nServicePort: "80"\nReplica: 2\n');
    const r = await svc(['create', '-f', file], {
      tenant,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.yaml:1:\d+/);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+/);
    expect(r.stderr).toMatch(/Replicas/);
  });

  it('an unreachable engine exits 5 with a hint', async () => {
    const r = await svc(['create', '--name', 'x', '--image', HTTP_IMAGE, '--service-port', '80'], {
      tenant,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^Error: cannot reach the Docker engine .*DOCKER_HOST/);
    expect(r.stderr).toMatch(/daemon running/);
  });

  it('with -o json an error is a JSON object on stderr', async () => {
    const r = await svc(
      ['create', '--name', 'x', '--image', HTTP_IMAGE, '--service-port', '80', '-o', 'json'],
      {
        tenant,
        env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      },
    );
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stderr)).toMatchObject({
      status: 503,
      message: expect.stringMatching(/Docker engine/),
    });
  });

  it('--dry-run reads the engine, prints the JSON it would create and the plan, and changes nothing', async () => {
    const before = await engine.listContainers(labelFilter(tenant));
    const r = await svc(
      ['create', '--name', 'dry', '--image', HTTP_IMAGE, '--service-port', '8080', '--dry-run'],
      {
        tenant,
      },
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(SERVICE_KEYS);
    expect(json).toMatchObject({
      Name: 'dry',
      ServicePort: 8080,
      ContainerPort: 8080,
      Protocol: 'tcp',
      Replicas: 1,
      Tenant: tenant,
    });
    // The plan, one step a line, on stderr.
    expect(r.stderr).toMatch(/^\d+\. create lb dry-lb-\w+ from .*$/m);
    expect(r.stderr).toMatch(
      /^\d+\. configure dry-lb-\w+: .*; start it once dry-1-\w+ is on the network, and wait until it loaded its config$/m,
    );
    expect(await engine.listContainers(labelFilter(tenant))).toEqual(before);
  });

  it('--dry-run reports what a real create would meet: a name taken, an image that cannot be had', async () => {
    const taken = await svc(['create', '--name', 'dryhit', '--image', HTTP_IMAGE, '--service-port', '80'], {
      tenant,
    });
    expect(taken.code).toBe(0);
    const again = await svc(
      ['create', '--name', 'dryhit', '--image', HTTP_IMAGE, '--service-port', '80', '--dry-run'],
      { tenant },
    );
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/service "dryhit" already exists.*; remove it with: svc rm dryhit/);
    const absent = await svc(
      [
        'create',
        '--name',
        'dryimg',
        '--image',
        'svc-test/absent:1',
        '--service-port',
        '80',
        '--pull',
        'never',
        '--dry-run',
      ],
      { tenant },
    );
    expect(absent.code).toBe(3);
    expect(await engine.listContainers(labelFilter(tenant, 'dryimg'))).toEqual([]);
    expect((await svc(['rm', 'dryhit'], { tenant })).code).toBe(0);
  });

  it('a missing image with --pull never exits 3 and creates nothing', async () => {
    const r = await svc(
      [
        'create',
        '--name',
        'nopull',
        '--image',
        'svc-test/absent:1',
        '--service-port',
        '80',
        '--pull',
        'never',
      ],
      { tenant },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/svc-test\/absent:1.*not present/);
    expect(await engine.listContainers(labelFilter(tenant, 'nopull'))).toEqual([]);
  });

  it('an image that cannot be pulled exits 3 with the reason and creates nothing', async () => {
    const r = await svc(
      ['create', '--name', 'nopull', '--image', 'svc-test/absent:1', '--service-port', '80'],
      { tenant },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/svc-test\/absent:1.*could not be pulled/);
    expect(await engine.listContainers(labelFilter(tenant, 'nopull'))).toEqual([]);
  });

  it('a host port already taken exits 4, and nothing is left (not even a new tenant network)', async () => {
    const fresh = newTenant();
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await svc(
        [
          'create',
          '--name',
          'taken',
          '--image',
          HTTP_IMAGE,
          '--service-port',
          String(port),
          '--container-port',
          '80',
          '--fip',
          '127.0.0.1',
          '--replicas',
          '2',
        ],
        { tenant: fresh },
      );
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(await engine.listContainers(labelFilter(fresh))).toEqual([]);
      const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${names.network(fresh)}`]);
      expect(nets.stdout.trim()).toBe('');
    } finally {
      server.close();
      await removeTenant(fresh);
    }
  });

  it('a replica that cannot start rolls back everything this create made', async () => {
    const r = await svc(
      [
        'create',
        '--name',
        'broken',
        '--image',
        HTTP_IMAGE,
        '--service-port',
        '80',
        '--replicas',
        '2',
        '--entrypoint',
        '/no/such/binary',
      ],
      { tenant },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error: .*no\/such\/binary/);
    expect(await engine.listContainers(labelFilter(tenant, 'broken'))).toEqual([]);
    // The tenant network stays: other services of this tenant use it.
    const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${names.network(tenant)}`]);
    expect(nets.stdout.trim()).not.toBe('');
  });

  it('two creates at the same moment in a new tenant share one tenant network', async () => {
    const fresh = newTenant();
    try {
      const make = (name: string) =>
        svc(['create', '--name', name, '--image', HTTP_IMAGE, '--service-port', '80'], { tenant: fresh });
      const results = await Promise.all([make('one'), make('two')]);
      expect(results.map((r) => r.code)).toEqual([0, 0]);
      const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${names.network(fresh)}`]);
      expect(nets.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      await removeTenant(fresh);
    }
  });

  it('two creates of one name at the same moment: exactly one wins, the other exits 4, nothing left over', async () => {
    const args = [
      'create',
      '--name',
      'race',
      '--image',
      HTTP_IMAGE,
      '--service-port',
      '80',
      '--replicas',
      '2',
    ];
    const results = await Promise.all([svc(args, { tenant }), svc(args, { tenant })]);
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 4]);
    const loser = results.find((r) => r.code === 4);
    expect(loser?.stderr).toMatch(/service "race" already exists/);
    const objects = await engine.listContainers(labelFilter(tenant, 'race'));
    expect(objects.map((c) => c.labels[LABEL.role]).sort()).toEqual(['lb', 'record', 'replica', 'replica']);
    const winner = JSON.parse(results.find((r) => r.code === 0)?.stdout ?? '{}');
    expect((winner.Containers as string[]).sort()).toEqual(
      objects
        .filter((c) => c.labels[LABEL.role] === 'replica')
        .map((c) => c.id)
        .sort(),
    );
  });
});
