/**
 * What an access key of `svc serve` cannot do, through the real server and engine with two
 * tenants: mount the engine's socket or a host path (403), reach outside an allowed prefix by `..`
 * or a symlink, read another tenant's named volume, reach another tenant's network, publish on an
 * address or port the operator did not allow, or take the host's process table (pids limit).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  type Answer,
  createKey,
  type Key,
  newConfigDir,
  request,
  type Server,
  startServer,
  stopServer,
} from './serve-client.js';
import { engine, freePort, HTTP_IMAGE, newTenant, removeTenant, run, waitFor } from './support/harness.js';

const tenantA = newTenant();
const tenantB = newTenant();
let server: Server;
let keyA: Key;
let keyB: Key;
const A = () => ({ auth: { key: keyA } }) as const;
const B = () => ({ auth: { key: keyB } }) as const;

// Host paths: an allowed prefix with a file, a way out by `..`, relative and absolute symlinks out,
// one that stays inside, and a unix socket.
const root = mkdtempSync(join(tmpdir(), 'svc-sec-'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
const socketPath = join(allowed, 'app.sock');
let socketServer: net.Server;

/** The engine's own socket (the private engine's, or the machine's). */
const engineSocket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

beforeAll(async () => {
  mkdirSync(join(allowed, 'site'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(allowed, 'site', 'index.txt'), 'allowed content\n');
  writeFileSync(join(outside, 'secret.txt'), 'outside\n');
  symlinkSync('../outside', join(allowed, 'up'));
  symlinkSync(outside, join(allowed, 'abs'));
  symlinkSync('site', join(allowed, 'inner'));
  symlinkSync(engineSocket, join(allowed, 'engine.sock'));
  socketServer = net.createServer().listen(socketPath);
  const dir = newConfigDir();
  keyA = await createKey(dir, tenantA);
  keyB = await createKey(dir, tenantB);
  server = await startServer(dir, [
    '--insecure-http',
    '--listen',
    `127.0.0.1:${await freePort()}`,
    '--allow-host-path',
    allowed,
  ]);
});

afterAll(async () => {
  await stopServer(server);
  socketServer?.close();
  await Promise.all([removeTenant(tenantA), removeTenant(tenantB)]);
  for (const t of [tenantA, tenantB])
    await svc(['volume', 'rm', 'shared'], { tenant: t }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

const call = (method: string, path: string, o: Parameters<typeof request>[3] = {}): Promise<Answer> =>
  request(server.port, method, path, o);

function spec(name: string, extra: Record<string, unknown> = {}) {
  return { Name: name, Image: HTTP_IMAGE, ServicePort: 8080, ContainerPort: 80, Protocol: 'http', ...extra };
}

/** A create that must be refused with `status`, its message naming `field`, and nothing made. */
async function refused(key: () => { auth: { key: Key } }, body: unknown, status: number, field: RegExp) {
  const r = await call('POST', '/v1.23/services/create', { ...key(), body });
  expect(r.status, r.text).toBe(status);
  expect(r.json.message).toMatch(field);
  const name = (body as { Name: string }).Name;
  const tenant = key === A ? tenantA : tenantB;
  expect(await engine.listContainers(labelFilter(tenant, name))).toEqual([]);
  return r;
}

/** The container's pids cgroup file (cgroup v1 or v2, cgroupfs or systemd driver). */
function pidsFile(id: string, file: 'pids.events' | 'pids.current'): string {
  const dirs = [
    `/sys/fs/cgroup/pids/docker/${id}`,
    `/sys/fs/cgroup/pids/system.slice/docker-${id}.scope`,
    `/sys/fs/cgroup/docker/${id}`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
  ];
  const dir = dirs.find((d) => existsSync(`${d}/${file}`));
  if (!dir) throw new Error(`no ${file} for container ${id} in ${dirs.join(', ')}`);
  return `${dir}/${file}`;
}

/** How many forks the container's pids limit refused. */
function forksRefused(id: string): number {
  return Number(/^max (\d+)/m.exec(readFileSync(pidsFile(id, 'pids.events'), 'utf8'))?.[1] ?? 0);
}

function pidsCurrent(id: string): number {
  return Number(readFileSync(pidsFile(id, 'pids.current'), 'utf8').trim());
}

async function replicaOf(tenant: string, service: string): Promise<string> {
  const [replica] = await engine.listContainers(labelFilter(tenant, service, 'replica'));
  if (!replica) throw new Error(`no replica of ${service}`);
  return replica.id;
}

describe('host paths and the engine socket through the API', () => {
  it('the engine socket is refused (403, naming Volumes), by its path and through a symlink', async () => {
    for (const source of [
      '/var/run/docker.sock',
      '/run/docker.sock',
      engineSocket,
      join(allowed, 'engine.sock'),
    ]) {
      const r = await refused(
        A,
        spec('sock', { Volumes: { [`${source}:/var/run/docker.sock:ro`]: {} } }),
        403,
        /Volumes/,
      );
      expect(r.json.issues[0]).toMatchObject({ path: expect.stringMatching(/^Volumes/) });
    }
  });

  it('/etc is refused, read-only or not, and the list form too', async () => {
    await refused(A, spec('etc', { Volumes: { '/etc:/hostetc': {} } }), 403, /Volumes.*\/etc/);
    await refused(
      A,
      spec('etc', { Volumes: ['/etc:/hostetc:ro'] }),
      403,
      /Volumes.*not under an allowed prefix/,
    );
  });

  it('a read-only path under the allowed prefix is mounted, also through a symlink that stays inside', async () => {
    for (const [name, source] of [
      ['site', join(allowed, 'site')],
      ['inner', join(allowed, 'inner')],
    ] as const) {
      const r = await call('POST', '/v1.23/services/create', {
        ...A(),
        body: spec(name, { Volumes: { [`${source}:/srv:ro`]: {} } }),
      });
      expect(r.status, r.text).toBe(201);
      const read = await engine.exec(await replicaOf(tenantA, name), ['cat', '/srv/index.txt']);
      expect(read.stdout).toBe('allowed content\n');
      expect((await call('DELETE', `/v1.23/services/${name}`, A())).status).toBe(204);
    }
  });

  it('`..` out of the prefix, symlinks out of it, a socket in it, a missing path and a writable mount are refused', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${allowed}/../outside:/x:ro`, /outside the allowed prefix/],
      [`${allowed}/site/../../outside:/x:ro`, /outside the allowed prefix/],
      [`${join(allowed, 'up')}:/x:ro`, /outside the allowed prefix/],
      [`${join(allowed, 'abs')}:/x:ro`, /outside the allowed prefix/],
      [`${socketPath}:/x:ro`, /socket/],
      [`${join(allowed, 'missing')}:/x:ro`, /does not exist/],
      [`${join(allowed, 'site')}:/x`, /read-only/],
    ];
    for (const [entry, why] of cases) {
      const r = await refused(A, spec('escape', { Volumes: [entry] }), 403, why);
      expect(r.json.message).toMatch(/^Volumes|Volumes/);
    }
  });
});

describe('named volumes belong to a tenant', () => {
  it("tenant B's `shared` is not tenant A's: B does not see A's file", async () => {
    const a = await call('POST', '/v1.23/services/create', {
      ...A(),
      body: spec('vol', { Volumes: { 'shared:/data': {} } }),
    });
    expect(a.status, a.text).toBe(201);
    expect(a.json.Volumes).toEqual({ 'shared:/data': {} });
    const written = await engine.exec(await replicaOf(tenantA, 'vol'), ['sh', '-c', 'echo from-A > /data/x']);
    expect(written.exitCode).toBe(0);

    const b = await call('POST', '/v1.23/services/create', {
      ...B(),
      body: spec('vol', { Volumes: ['shared:/data'] }),
    });
    expect(b.status, b.text).toBe(201);
    const read = await engine.exec(await replicaOf(tenantB, 'vol'), ['cat', '/data/x']);
    expect(read.exitCode).not.toBe(0);
    expect(read.stderr).toMatch(/No such file/);

    // Each is its own engine volume, made by svc with the tenant's labels.
    for (const t of [tenantA, tenantB]) {
      const { stdout } = await run('docker', ['volume', 'inspect', `svc-${t}_shared`]);
      const [v] = JSON.parse(stdout);
      expect(v.Labels).toMatchObject({ [LABEL.tenant]: t, [LABEL.role]: 'volume', [LABEL.volume]: 'shared' });
    }
    expect((await call('GET', '/v1.23/services/vol', A())).json.Volumes).toEqual({ 'shared:/data': {} });
  });

  it('each key lists, inspects and removes its own volumes only (409 while in use, 404 for the other tenant)', async () => {
    const listA = await call('GET', '/v1.23/volumes', A());
    expect(listA.status).toBe(200);
    expect(listA.json.Volumes.map((v: { Name: string }) => v.Name)).toEqual(['shared']);
    expect((await call('GET', '/v1.23/volumes/shared', B())).json.Name).toBe('shared');
    expect((await call('GET', '/v1.23/volumes/nope', A())).status).toBe(404);
    const inUse = await call('DELETE', '/v1.23/volumes/shared', A());
    expect(inUse.status, inUse.text).toBe(409);
    expect(inUse.json.message).toMatch(/vol/);
  });

  it('a volume made with driver options (a bind mount in disguise) is refused', async () => {
    const r = await call('POST', '/v1.23/volumes/create', {
      ...A(),
      body: { Name: 'disguised', Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/etc' } },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.json.message).toMatch(/DriverOpts/);
    expect((await call('GET', '/v1.23/volumes/disguised', A())).status).toBe(404);
  });

  it("B's replica cannot reach A's service on A's network; A's own replica can", async () => {
    const ip = (await call('GET', '/v1.23/services/vol', A())).json.IP as string;
    // busybox nc (the image's wget is static and cannot resolve; nc takes the address as is).
    const get = ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ip} 8080`];
    const mine = await engine.exec(await replicaOf(tenantA, 'vol'), get);
    expect(mine.stdout).toMatch(/^HTTP\/1\.[01] 200/);
    const theirs = await engine.exec(await replicaOf(tenantB, 'vol'), get);
    expect(theirs.exitCode).not.toBe(0);
    expect(theirs.stdout).toBe('');
  });

  it('DELETE ?volumes=true removes the service and its volume; the other tenant keeps its own', async () => {
    expect((await call('DELETE', '/v1.23/services/vol?volumes=true', A())).status).toBe(204);
    expect((await call('GET', '/v1.23/volumes/shared', A())).status).toBe(404);
    expect((await call('GET', '/v1.23/volumes/shared', B())).status).toBe(200);
    expect((await call('DELETE', '/v1.23/services/vol', B())).status).toBe(204);
    // Kept by default, as docker keeps named volumes; removed by name.
    expect((await call('GET', '/v1.23/volumes/shared', B())).status).toBe(200);
    expect((await call('DELETE', '/v1.23/volumes/shared', B())).status).toBe(204);
  });
});

describe('publishing, labels and processes', () => {
  it('a FIP on 0.0.0.0 or a host port below 1024 is refused unless the operator allows it', async () => {
    await refused(A, spec('pub', { FIP: '0.0.0.0', ServicePort: await freePort() }), 403, /FIP/);
    await refused(A, spec('pub', { FIP: '127.0.0.1', ServicePort: 80 }), 403, /ServicePort/);
    const r = await call('POST', '/v1.23/services/create', { ...A(), body: spec('pub') });
    expect(r.status, r.text).toBe(201);
    const u = await call('POST', '/v1.23/services/pub/update', { ...A(), body: { FIP: '0.0.0.0' } });
    expect(u.status, u.text).toBe(403);
    expect(u.json.message).toMatch(/FIP/);
    expect((await call('DELETE', '/v1.23/services/pub', A())).status).toBe(204);
  });

  it("labels in Docker's reserved namespaces are refused; io.svc. stays a 400", async () => {
    await refused(A, spec('lbl', { Labels: { 'com.docker.compose.project': 'x' } }), 403, /Labels/);
    await refused(A, spec('lbl', { Labels: { 'io.svc.tenant': tenantB } }), 400, /Labels/);
  });

  it('a fork bomb in a replica is stopped by its pids limit; the engine and other replicas go on', async () => {
    const r = await call('POST', '/v1.23/services/create', {
      ...A(),
      body: spec('bomb', { ContainerSize: 's1' }),
    });
    expect(r.status, r.text).toBe(201);
    const id = await replicaOf(tenantA, 'bomb');
    const { stdout } = await run('docker', ['inspect', '-f', '{{.HostConfig.PidsLimit}}', id]);
    const limit = Number(stdout.trim());
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(1024);
    // Detached from the exec's output, so the exec returns while the bomb goes on.
    await engine.exec(id, ['sh', '-c', 'b() { b | b & }; b >/dev/null 2>&1 </dev/null &']);
    // The kernel counts the forks the limit refused (pids.events) and the tasks there are.
    const refusals = await waitFor('forks refused by the pids limit', 20_000, async () => {
      const n = forksRefused(id);
      return n > 100 ? n : undefined;
    });
    expect(refusals).toBeGreaterThan(100);
    for (let i = 0; i < 5; i++) expect(pidsCurrent(id)).toBeLessThanOrEqual(limit);
    // The engine still starts containers: a new service of tenant B comes up.
    const other = await call('POST', '/v1.23/services/create?wait=true', { ...B(), body: spec('calm') });
    expect(other.status, other.text).toBe(201);
    expect((await call('DELETE', '/v1.23/services/bomb', A())).status).toBe(204);
    expect(await engine.listContainers(labelFilter(tenantA, 'bomb'))).toEqual([]);
    expect((await call('DELETE', '/v1.23/services/calm', B())).status).toBe(204);
  });
});
