/**
 * The swarm backend on a one-node swarm (initialised here when the engine is in none, and left
 * again at the end): the same spec, commands and Service JSON as locally. Create --wait, ls and
 * inspect (task states and nodes), scale up and down, a rolling update, a killed task (each under
 * load, counting every lost request), a broken release rolled back, FIP, update-cert, a security
 * group, logs, the API, and rm leaving nothing.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { svc } from '../support/cli.js';
import { createKey, newConfigDir, request, startServer, stopServer } from './serve-client.js';
import {
  createArgs,
  engine,
  ensureSwarm,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  LB_IMAGE_DEBIAN,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  securityGroupClosesAndOpens,
  TWO_HTTP_REPLICAS,
  waitFor,
} from './support/harness.js';
import { splitCutResponses, startLoad } from './support/load.js';

const tenant = newTenant();
const env = { SVC_BACKEND: 'swarm', SVC_LB_IMAGE: LB_IMAGE_DEBIAN };
const sv = (args: string[]) => svc(args, { tenant, env });
const V2 = 'svc-test/http:swarm-v2';
const BROKEN = 'svc-test/http:swarm-exits';
let leaveSwarm: (() => Promise<void>) | undefined;
let certs: TestCerts;

beforeAll(async () => {
  leaveSwarm = await ensureSwarm();
  certs = makeCerts();
  await run('docker', ['tag', HTTP_IMAGE, V2]);
  // An image whose replicas exit at once: a release Swarm itself sees failing.
  const dir = join(tmpdir(), `svc-swarm-broken-${tenant.slice(0, 8)}`);
  await run('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${HTTP_IMAGE}\nCMD ["/bin/false"]\n`);
  await run('docker', ['build', '-q', '-t', BROKEN, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}, 120_000);

afterAll(async () => {
  await removeTenant(tenant);
  certs?.cleanup();
  for (const image of [V2, BROKEN]) await run('docker', ['rmi', image]).catch(() => undefined);
  await leaveSwarm?.();
}, 120_000);

const ok = mustSucceed(sv);

async function inspect(name: string) {
  const [s] = JSON.parse((await ok(['inspect', name])).stdout);
  return s;
}

function lost(result: Awaited<ReturnType<ReturnType<typeof startLoad>['stop']>>): string[] {
  return splitCutResponses(result.failures).lost;
}

describe('a service on the swarm', () => {
  let port: number;

  it('is created with --wait, answers on its FIP, and ls and inspect show it as a swarm one', async () => {
    port = await freePort();
    const r = await ok(createArgs('web', port, '0.0.0.0', TWO_HTTP_REPLICAS));
    const created = JSON.parse(r.stdout);
    expect(created).toMatchObject({
      Name: 'web',
      Replicas: 2,
      Status: 'created',
      Message: 'Service is created',
    });
    expect(created.IP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 8);
    expect(failures).toEqual([]);
    expect(new Set(bodies).size).toBe(2);
    const ls = (await ok(['ls'])).stdout.split('\n')[1]?.split(/\s{2,}/);
    expect(ls).toEqual(['web', HTTP_IMAGE, '2/2', 'http', String(port), '0.0.0.0', 'active', 'swarm']);
    const s = await inspect('web');
    expect(s).toMatchObject({ Backend: 'swarm', Status: 'active', IP: created.IP });
    expect(s.ReplicaDetail.map((d: { Number: number; State: string }) => [d.Number, d.State])).toEqual([
      [1, 'running'],
      [2, 'running'],
    ]);
    expect(s.ReplicaDetail.every((d: { Node: string }) => d.Node.length > 0)).toBe(true);
    // The Swarm objects carry the same labels.
    const services = await engine.swarm.listServices(labelFilter(tenant, 'web'));
    expect(services.map((x) => x.labels[LABEL.role]).sort()).toEqual(['lb', 'replica']);
  });

  it('stats: the load balancer counts the requests of each task it found through DNS', async () => {
    const rows = () => ok(['stats', 'web', '--no-stream', '-o', 'json']).then((r) => JSON.parse(r.stdout));
    const before: Array<{ Replica: string; Requests: number; State: string }> = await rows();
    // Only the filled server-template slots: one per task, each named by its slot and address.
    expect(before).toHaveLength(2);
    for (const r of before) expect(r.Replica).toMatch(/^r\d+ \(\d+\.\d+\.\d+\.\d+:80\)$/);
    const { failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 10);
    expect(failures).toEqual([]);
    const after: typeof before = await rows();
    const sent = after.map((r) => r.Requests - (before.find((b) => b.Replica === r.Replica)?.Requests ?? 0));
    expect(sent).toEqual([5, 5]);
    expect(after.map((r) => r.State)).toEqual(['UP', 'UP']);
  });

  it('refuses what Swarm cannot honour (exit 2), changing nothing', async () => {
    const r = await sv(createArgs('local-only', 80, '127.0.0.1'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FIP 127\.0\.0\.1 cannot be honoured on Swarm.*use FIP 0\.0\.0\.0/);
    expect(await engine.swarm.listServices(labelFilter(tenant, 'local-only'))).toEqual([]);
  });

  it('a load balancer image this node lacks and cannot pull is not found (exit 3) before anything is made', async () => {
    const lbImage = 'svc-test/no-such-lb:1';
    const r = await sv(createArgs('no-lb-image', await freePort(), '0.0.0.0', ['--lb-image', lbImage]));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /image "svc-test\/no-such-lb:1" is (not present and could not be pulled|not in registry)/,
    );
    expect(await engine.swarm.listServices(labelFilter(tenant, 'no-lb-image'))).toEqual([]);
    expect(await engine.swarm.listConfigs(labelFilter(tenant, 'no-lb-image'))).toEqual([]);
  });

  it('a replica image that is nowhere fails create --wait at once (exit 3), leaving nothing', async () => {
    // Refused before anything is made (its digest cannot be resolved); a task a node rejects
    // later (an image the manager has and the node cannot get) is unit-tested (fake swarm).
    const args = createArgs('no-image', await freePort(), '0.0.0.0', ['--replicas', '1']);
    const r = await sv([...args.slice(0, -1), 'svc-test/no-such-image:1']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /image "svc-test\/no-such-image:1" is (not present and could not be pulled|not in registry)/,
    );
    expect(await engine.swarm.listServices(labelFilter(tenant, 'no-image'))).toEqual([]);
    expect(await engine.swarm.listConfigs(labelFilter(tenant, 'no-image'))).toEqual([]);
  });

  it('a host port already taken is a conflict (exit 4) without waiting out --timeout, leaving nothing', async () => {
    // Taken by a process on the node (the task fails at start), then by another swarm service's
    // task (Swarm keeps ours pending): neither frees itself by waiting.
    const byProcess = await freePort();
    const server = net.createServer().listen(byProcess, '0.0.0.0');
    await new Promise((r) => server.once('listening', r));
    const bySwarm = await freePort();
    const blocker = `blocker-${tenant.slice(0, 8)}`;
    await run('docker', [
      'service',
      'create',
      '-d',
      '-q',
      '--name',
      blocker,
      '--label',
      `${LABEL.tenant}=${tenant}`,
      '--publish',
      `mode=host,published=${bySwarm},target=80`,
      HTTP_IMAGE,
    ]);
    try {
      for (const port of [byProcess, bySwarm]) {
        const r = await sv(createArgs('taken', port, '0.0.0.0', ['--timeout', '90s']));
        expect(r.code).toBe(4);
        expect(r.stderr).toMatch(
          new RegExp(`host port ${port} is taken \\(Swarm: .*(address|port) already in use`),
        );
        expect(r.stderr).toContain('everything it had changed was undone');
        expect(await engine.swarm.listServices(labelFilter(tenant, 'taken'))).toEqual([]);
        expect(await engine.swarm.listConfigs(labelFilter(tenant, 'taken'))).toEqual([]);
      }
    } finally {
      server.close();
      await run('docker', ['service', 'rm', blocker]);
    }
  });

  it('scales up and down under load with no request lost', async () => {
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 120_000 });
    await ok(['scale', 'web=4']);
    expect((await inspect('web')).ReplicaDetail).toHaveLength(4);
    await ok(['scale', 'web=1']);
    const result = await load.stop();
    console.log(
      `swarm scale 2→4→1 under load: ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(lost(result)).toEqual([]);
    expect(result.requests).toBeGreaterThan(50);
    const s = await inspect('web');
    expect([s.Replicas, s.Status, s.ReplicaDetail.length]).toEqual([1, 'active', 1]);
  });

  it('rolls out a new image with Swarm’s rolling update under load, no request lost', async () => {
    await ok(['scale', 'web=2']);
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 120_000 });
    await ok(['rolling-update', '--image', V2, 'web']);
    const result = await load.stop();
    console.log(
      `swarm rolling update under load: ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(lost(result)).toEqual([]);
    const s = await inspect('web');
    expect(s.Image).toBe(V2);
    expect(s.ReplicaDetail.map((d: { Image: string }) => d.Image)).toEqual([V2, V2]);
  });

  it('a release whose replicas exit is rolled back, and the service is as before', async () => {
    const before = await inspect('web');
    const r = await sv(['rolling-update', '--image', BROKEN, '--timeout', '60s', 'web']);
    expect(r.code).toBe(1);
    // Swarm saw the new tasks fail, and rolled the update back itself (failure_action rollback).
    expect(r.stderr).toMatch(/^Error: Swarm rolled the update of web-\w+ back: /);
    // And why: Swarm's message says only that it rolled back.
    expect(r.stderr).toMatch(
      /; a new replica \(task \w+\) exited before it was ready \(Swarm: task: non-zero exit \(1\)\)/,
    );
    const s = await inspect('web');
    expect([s.Image, s.Replicas, s.Status]).toEqual([before.Image, before.Replicas, 'active']);
    expect(s.ReplicaDetail.map((d: { Image: string }) => d.Image)).toEqual(
      before.ReplicaDetail.map((d: { Image: string }) => d.Image),
    );
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
  });

  it('a killed task loses no request; Swarm starts another', async () => {
    const [victim] = (await inspect('web')).ReplicaDetail as Array<{ ID: string }>;
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await run('docker', ['kill', victim?.ID as string]);
    await waitFor('two running replicas again', 60_000, async () => {
      const s = await inspect('web');
      return s.ReplicaDetail.filter((d: { State: string }) => d.State === 'running').length === 2
        ? true
        : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const result = await load.stop();
    const { lost: gone, cut } = splitCutResponses(result.failures);
    console.log(
      `swarm killed task under load: ${result.requests} requests, ${gone.length} lost, ${cut.length} cut by the kill`,
    );
    expect(gone).toEqual([]);
  });

  it('detach-fip and attach-fip', async () => {
    await ok(['detach-fip', 'web']);
    expect((await inspect('web')).FIP).toBe('');
    await ok(['attach-fip', '--fip', '0.0.0.0', 'web']);
    expect((await inspect('web')).FIP).toBe('0.0.0.0');
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
  });

  it('logs: the replicas’ and the load balancer’s, prefixed', async () => {
    const r = await ok(['logs', 'web', '--lb', '--tail', '20']);
    expect(r.stdout).toMatch(/^lb\s+\| /m);
  });
});

describe('update-cert and a security group on the swarm', () => {
  let port: number;

  it('update-cert installs the new certificate', async () => {
    port = await freePort();
    await ok(
      createArgs('sec', port, '0.0.0.0', ['--protocol', 'httpsTerm', '--ssl-cert', certs.leaf.pemFile]),
    );
    const cn = () =>
      new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'svc.test' }, () => {
          resolve(String(c.getPeerCertificate().subject?.CN));
          c.end();
        });
        c.on('error', reject);
        c.setTimeout(5000, () => c.destroy(new Error('TLS timeout')));
      });
    expect(await cn()).toBe('svc.test');
    await ok(['update-cert', '--ssl-cert', certs.renewed.pemFile, 'sec']);
    expect(await cn()).toBe('svc-renewed.test');
    expect((await inspect('sec')).SSLCert).toMatch(/svc-renewed\.test/);
    // The key is in a Swarm secret, never in a label or the service spec.
    const specs = JSON.stringify(await engine.swarm.listServices(labelFilter(tenant, 'sec')));
    expect(specs).not.toMatch(/PRIVATE KEY/);
  });

  it('a security group update closes and opens the service', () =>
    securityGroupClosesAndOpens(tenant, ok, '0.0.0.0'));
});

describe('the API on the swarm backend (svc serve --backend swarm)', () => {
  it('creates, lists, updates and removes a swarm service with the original request shapes', async () => {
    const dir = newConfigDir();
    const key = await createKey(dir, tenant);
    const server = await startServer(dir, [
      '--insecure-http',
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--backend',
      'swarm',
      '--lb-image',
      LB_IMAGE_DEBIAN,
      // Swarm publishes in host mode on every address of the node: the operator allows that.
      '--allow-fip',
      '0.0.0.0',
    ]);
    try {
      const call = (method: string, path: string, body?: unknown) =>
        request(server.port, method, path, { auth: { key }, body });
      const port = await freePort();
      const body = {
        Name: 'api',
        Image: HTTP_IMAGE,
        ServicePort: port,
        ContainerPort: 80,
        Protocol: 'http',
        Replicas: 1,
        FIP: '0.0.0.0',
        ContainerSize: 's1',
        Volumes: ['data:/data'],
      };
      // No host path through the API on Swarm (it would be checked on one node, mounted on another).
      const host = await call('POST', '/v1.23/services/create', { ...body, Volumes: ['/srv:/srv:ro'] });
      expect(host.status, host.text).toBe(403);
      expect(host.json.message).toMatch(/Volumes\[0\]: host path \/srv: .*on the swarm backend/);
      const created = await call('POST', '/v1.23/services/create?wait=true', body);
      expect(created.status, created.text).toBe(201);
      expect(created.json.Volumes).toEqual({ 'data:/data': {} });
      expect((await httpGetMany(`http://127.0.0.1:${port}/`, 2)).failures).toEqual([]);
      // The task mounts the tenant's volume, which the node made with the tenant's labels, and
      // its size bounds its processes.
      const [task] = await engine.listContainers([
        `${LABEL.tenant}=${tenant}`,
        `${LABEL.service}=api`,
        `${LABEL.role}=replica`,
      ]);
      const { stdout } = await run('docker', ['inspect', task?.id ?? 'none']);
      const [c] = JSON.parse(stdout);
      expect(c.HostConfig.PidsLimit).toBe(256);
      expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: `svc-${tenant}_data` })]);
      const volume = JSON.parse((await run('docker', ['volume', 'inspect', `svc-${tenant}_data`])).stdout)[0];
      expect(volume.Labels).toMatchObject({ [LABEL.tenant]: tenant, [LABEL.volume]: 'data' });
      const listed = await call('GET', '/v1.23/services');
      expect(listed.json.map((x: { Name: string }) => x.Name)).toContain('api');
      const updated = await call('POST', '/v1.23/services/api/update', { Replicas: 2 });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.json).toMatchObject({ Name: 'api', Replicas: 2, Backend: 'swarm' });
      expect((await call('DELETE', '/v1.23/services/api?volumes=true')).status).toBe(204);
      expect(await engine.swarm.listServices(labelFilter(tenant, 'api'))).toEqual([]);
      expect((await call('GET', '/v1.23/volumes/data')).status).toBe(404);
    } finally {
      await stopServer(server);
    }
  });
});

describe('rm on the swarm', () => {
  it('removes the services, their configs and secrets, and the network with the last one', async () => {
    const r = await ok(['rm', 'web', 'sec', 'guarded']);
    expect(r.stdout).toBe('web\nsec\nguarded\n');
    await ok(['sg', 'rm', 'office']);
    const filter = labelFilter(tenant);
    expect(await engine.swarm.listServices(filter)).toEqual([]);
    expect(await engine.swarm.listConfigs(filter)).toEqual([]);
    expect(await engine.swarm.listSecrets(filter)).toEqual([]);
    // Gone when rm returns: the tasks' containers and the overlay network too.
    const { stdout } = await run('docker', ['network', 'ls', '--filter', `name=svc-${tenant}-swarm`, '-q']);
    expect(stdout.trim()).toBe('');
    expect(await engine.listContainers([`${LABEL.tenant}=${tenant}`])).toEqual([]);
    expect((await ok(['ls', '-q'])).stdout).toBe('');
  });

  it('rm then create of the same name at once: the create works', async () => {
    const port = await freePort();
    await ok(createArgs('again', port, '0.0.0.0', ['--replicas', '1']));
    await ok(['rm', 'again']);
    await ok(createArgs('again', port, '0.0.0.0', ['--replicas', '1']));
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 2)).failures).toEqual([]);
    await ok(['rm', 'again']);
  });
});
