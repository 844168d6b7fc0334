/**
 * Every route of `svc serve`, on the real engine, answered in the exact shapes the original Go
 * client (hypercli 1.10.17) decodes: each answer is checked against the JSON Schema of its Go type
 * (test/server/conformance/). The services fill every optional field (Volumes, SecurityGroups,
 * Env, Labels, Entrypoint, Cmd, FIP, SSLCert, https), so no shape mistake hides behind null; the
 * requests are sent in the shapes that client sends (all of types.Service; all of ServiceUpdate).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import { conformanceProblems, type SchemaName } from '../server/conformance/validate.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
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
import { engine, freePort, HTTP_IMAGE, newTenant, removeTenant, run } from './support/harness.js';

const TLS_IMAGE = 'svc-test/tls:local';
const HTTP_V2 = 'svc-test/http:conformance-v2';
const tenant = newTenant();
const volume = `svcconf-${tenant.slice(0, 12)}`;
const hostDir = mkdtempSync(join(tmpdir(), 'svc-conf-'));
let server: Server;
let key: Key;
let certs: TestCerts;
let fipPort: number;

beforeAll(async () => {
  await run('docker', ['tag', HTTP_IMAGE, HTTP_V2]);
  certs = makeCerts();
  const group = resolve(import.meta.dirname, '../../examples/security-group.yaml');
  const sg = await svc(['sg', 'create', '-f', group], { tenant });
  expect(sg.stderr).toBe('');
  const dir = newConfigDir();
  key = await createKey(dir, tenant);
  server = await startServer(dir, [
    '--insecure-http',
    '--listen',
    `127.0.0.1:${await freePort()}`,
    '--allow-host-path',
    hostDir,
  ]);
  fipPort = await freePort();
});
afterAll(async () => {
  await stopServer(server);
  await removeTenant(tenant);
  certs?.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
  await run('docker', ['rmi', HTTP_V2]).catch(() => undefined);
});

const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
  request(server.port, method, path, { auth: { key }, ...(body === undefined ? {} : { body }) });

/** The answer has this status and its JSON fits the Go type. */
function conforms(a: Answer, status: number, schema: SchemaName) {
  expect(a.status, a.text).toBe(status);
  expect(a.headers['content-type']).toBe('application/json');
  expect(conformanceProblems(schema, a.json)).toEqual([]);
  return a.json;
}

/** What the Go client's encoder writes for a types.Service: every field, in the struct's order. */
function goService(fields: Record<string, unknown>): Record<string, unknown> {
  const body = {
    Name: '',
    Image: '',
    WorkingDir: '',
    ContainerSize: 's4',
    SSLCert: '',
    NetMode: 'bridge',
    StopSignal: 'SIGTERM',
    ServicePort: 0,
    ContainerPort: 0,
    Replicas: 1,
    HealthCheckInterval: 1,
    HealthCheckFall: 3,
    HealthCheckRise: 2,
    Algorithm: 'roundrobin',
    Protocol: 'tcp',
    Stdin: false,
    Tty: false,
    SessionAffinity: false,
    Entrypoint: null,
    Cmd: null,
    Env: null,
    Volumes: {},
    Labels: {},
    SecurityGroups: {},
    IP: '',
    FIP: '',
    Message: '',
    Status: '',
    Containers: null,
    ...fields,
  };
  expect(conformanceProblems('service', body)).toEqual([]);
  return body;
}

/** A types.ServiceUpdate as the Go client encodes it: all three keys, null when not set. */
function goUpdate(fields: { Replicas?: number; Image?: string; FIP?: string }) {
  const body = { Replicas: null, Image: null, FIP: null, ...fields };
  expect(conformanceProblems('service-update', body)).toEqual([]);
  return body;
}

describe('every route answers in the Go client types', () => {
  it('POST /services/create: every optional field, in the original request shape', async () => {
    const full = conforms(
      await call(
        'POST',
        '/v1.23/services/create',
        goService({
          Name: 'full',
          Image: HTTP_IMAGE,
          WorkingDir: '/www',
          ContainerSize: 's1',
          StopSignal: 'SIGINT',
          ServicePort: fipPort,
          ContainerPort: 80,
          Algorithm: 'leastconn',
          Protocol: 'http',
          Stdin: true,
          Tty: true,
          SessionAffinity: true,
          Entrypoint: ['/bin/sh', '-c'],
          Cmd: ['/bin/serve-http'],
          Env: ['MODE=prod', 'GREETING=hello world'],
          Volumes: { [`${volume}:/data:ro`]: {}, [`${hostDir}:/hostdata:ro`]: {} },
          Labels: { app: 'conformance', tier: 'web' },
          SecurityGroups: { office: {} },
          FIP: '127.0.0.1',
        }),
      ),
      201,
      'service',
    );
    expect(full).toMatchObject({
      Volumes: { [`${volume}:/data:ro`]: {}, [`${hostDir}:/hostdata:ro`]: {} },
      SecurityGroups: { office: {} },
      Entrypoint: ['/bin/sh', '-c'],
      Env: ['MODE=prod', 'GREETING=hello world'],
      FIP: '127.0.0.1',
      Status: 'created',
    });
    const term = goService({
      Name: 'term',
      Image: HTTP_IMAGE,
      ServicePort: 8443,
      ContainerPort: 80,
      Protocol: 'httpsTerm',
      SSLCert: certs.leaf.pem,
    });
    const t = conforms(await call('POST', '/v1.23/services/create', term), 201, 'service');
    expect(t.SSLCert).toMatch(/^subject=.*svc\.test/);
    expect(t.SSLCert).not.toContain('PRIVATE KEY');
    const pass = goService({
      Name: 'pass',
      Image: TLS_IMAGE,
      ServicePort: 443,
      ContainerPort: 8443,
      Protocol: 'https',
    });
    conforms(await call('POST', '/v1.23/services/create', pass), 201, 'service');
  });

  it('GET /services, bare and with the filters the client sends (name, label)', async () => {
    const all = conforms(await call('GET', '/v1.23/services'), 200, 'service-list');
    expect(all.map((s: { Name: string }) => s.Name).sort()).toEqual(['full', 'pass', 'term']);
    // `hyper service ls` prints c[:12] of every container ID: a shorter one would panic it.
    for (const s of all) for (const c of s.Containers ?? []) expect(c.length).toBeGreaterThanOrEqual(12);
    const q = (f: unknown) => `/v1.23/services?filters=${encodeURIComponent(JSON.stringify(f))}`;
    const named = conforms(await call('GET', q({ name: { full: true } })), 200, 'service-list');
    expect(named.map((s: { Name: string }) => s.Name)).toEqual(['full']);
    const labelled = conforms(
      await call('GET', q({ label: { 'app=conformance': true } })),
      200,
      'service-list',
    );
    expect(labelled.map((s: { Name: string }) => s.Name)).toEqual(['full']);
  });

  it('GET /services/{name}: the Service, with the inspect detail after it', async () => {
    for (const name of ['full', 'term', 'pass']) {
      const s = conforms(await call('GET', `/v1.23/services/${name}`), 200, 'service');
      expect(s.ReplicaDetail).toHaveLength(1);
    }
  });

  it('POST /services/{name}/update: Replicas, Image, FIP detach and attach, in the ServiceUpdate shape', async () => {
    const scaled = conforms(
      await call('POST', '/v1.23/services/full/update', goUpdate({ Replicas: 2 })),
      200,
      'service',
    );
    expect(scaled.Containers).toHaveLength(2);
    const rolled = conforms(
      await call('POST', '/v1.23/services/term/update', goUpdate({ Image: HTTP_V2 })),
      200,
      'service',
    );
    expect(rolled.Image).toBe(HTTP_V2);
    const detached = conforms(
      await call('POST', '/v1.23/services/full/update', goUpdate({ FIP: '' })),
      200,
      'service',
    );
    expect(detached.FIP).toBe('');
    const attached = conforms(
      await call('POST', '/v1.23/services/full/update', goUpdate({ FIP: '127.0.0.1' })),
      200,
      'service',
    );
    expect(attached.FIP).toBe('127.0.0.1');
  });

  it("GET /info: the engine's info fields, the tenant's counts", async () => {
    const info = conforms(await call('GET', '/v1.23/info'), 200, 'info');
    const mine = await engine.listContainers(labelFilter(tenant, undefined, 'replica'));
    expect(info).toMatchObject({ ID: tenant, Tenant: tenant, Services: 3, Containers: mine.length });
    expect(info.Containers).toBe(4);
    expect(info.ContainersRunning + info.ContainersPaused + info.ContainersStopped).toBe(info.Containers);
    expect(info.Images).toBe(3); // svc-test/http:local, its v2 tag, svc-test/tls:local
    for (const k of [
      'Driver',
      'LoggingDriver',
      'OperatingSystem',
      'KernelVersion',
      'ExecutionDriver',
      'ServerVersion',
    ])
      expect(info[k], k).not.toBe('');
    expect(info.Plugins.Authorization.length).toBeGreaterThan(0);
  });

  it('GET /version, /images/{name}/json; POST /images/create; /_ping; /openapi.json', async () => {
    const v = conforms(await call('GET', '/v1.23/version'), 200, 'version');
    expect(v.ApiVersion).toBe('1.23');
    const image = conforms(await call('GET', `/v1.23/images/${HTTP_IMAGE}/json`), 200, 'image-inspect');
    expect(image.RepoTags).toContain(HTTP_IMAGE);
    expect(image.Size).toBeGreaterThan(0);
    const pull = await call('POST', '/v1.23/images/create?fromImage=svc-test/absent&tag=none');
    if (pull.status === 200) {
      const lines = pull.text.trim().split('\n');
      for (const line of lines) expect(conformanceProblems('json-message', JSON.parse(line))).toEqual([]);
      expect(lines.at(-1)).toMatch(/"error"/); // no registry here
    } else conforms(pull, pull.status, 'error');
    const ping = await call('GET', '/v1.23/_ping');
    expect([ping.status, ping.text]).toEqual([200, 'OK']);
    expect((await call('GET', '/v1.23/openapi.json')).json.openapi).toMatch(/^3\./);
  });

  it("volumes: list, inspect, create and remove in the client's shapes (VolumeCreateRequest: driver hyper, size)", async () => {
    const list = conforms(await call('GET', '/v1.23/volumes'), 200, 'volume-list');
    expect(list.Volumes.map((v: { Name: string }) => v.Name)).toEqual([volume]);
    const one = conforms(await call('GET', `/v1.23/volumes/${volume}`), 200, 'volume');
    expect(one).toMatchObject({ Name: volume, Driver: 'local', Mountpoint: '' });
    const request = { Name: 'made', Driver: 'hyper', DriverOpts: { size: '10' }, Labels: null };
    const made = conforms(await call('POST', '/v1.23/volumes/create', request), 201, 'volume');
    expect(made.Name).toBe('made');
    conforms(await call('DELETE', `/v1.23/volumes/${volume}`), 409, 'error');
    const gone = await call('DELETE', '/v1.23/volumes/made');
    expect([gone.status, gone.text]).toEqual([204, '']);
    conforms(await call('GET', '/v1.23/volumes/made'), 404, 'error');
  });

  it('errors: 400, 401, 403, 404, 409 are {"message"} (400 and 403 with their issues)', async () => {
    conforms(await call('POST', '/v1.23/services/create', goService({ Name: 'Bad' })), 400, 'error');
    const host = goService({ Name: 'host', Image: HTTP_IMAGE, ServicePort: 80, Volumes: { '/etc:/e': {} } });
    const refused = conforms(await call('POST', '/v1.23/services/create', host), 403, 'error');
    expect(refused.issues).toEqual([
      { path: 'Volumes[0]', message: expect.stringMatching(/^host path \/etc: /) },
    ]);
    const dup = goService({ Name: 'full', Image: HTTP_IMAGE, ServicePort: 80 });
    conforms(await call('POST', '/v1.23/services/create', dup), 409, 'error');
    conforms(await call('GET', '/v1.23/services/nope'), 404, 'error');
    conforms(await call('GET', '/v1.23/images/svc-test/absent:none/json'), 404, 'error');
    conforms(await call('POST', '/v1.23/services/full/update', goUpdate({ FIP: '127.0.0.1' })), 409, 'error');
    conforms(await request(server.port, 'GET', '/v1.23/services'), 401, 'error');
  });

  it("DELETE: the client's keey=yes removes everything; keep=true leaves the replicas", async () => {
    const replicas = (name: string) => engine.listContainers(labelFilter(tenant, name, 'replica'));
    const gone = await call('DELETE', '/v1.23/services/pass?keey=yes');
    expect([gone.status, gone.text]).toEqual([204, '']);
    expect(await replicas('pass')).toEqual([]);
    expect((await call('DELETE', '/v1.23/services/term?keep=true')).status).toBe(204);
    expect((await replicas('term')).filter((c) => c.state === 'running')).toHaveLength(1);
    expect((await call('DELETE', '/v1.23/services/full')).status).toBe(204);
    conforms(await call('GET', '/v1.23/services'), 200, 'service-list');
  });
});
