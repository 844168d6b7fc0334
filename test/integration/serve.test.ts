/**
 * `svc serve` against the real engine: a real server process on 127.0.0.1, requests signed by the
 * test's own HYPER-HMAC-SHA256 signer (serve-client.ts) or carrying a bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
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
import {
  engine,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  run,
  waitFor,
} from './support/harness.js';

const tenantA = newTenant();
const tenantB = newTenant();
let server: Server;
let keyA: Key;
let keyB: Key;
const A = () => ({ auth: { key: keyA } }) as const;
const B = () => ({ auth: { key: keyB } }) as const;

/** A second tag of the test image, for an Image update (a rolling update). */
const HTTP_V2 = 'svc-test/http:serve-v2';

beforeAll(async () => {
  await run('docker', ['tag', HTTP_IMAGE, HTTP_V2]);
  const dir = newConfigDir();
  keyA = await createKey(dir, tenantA);
  keyB = await createKey(dir, tenantB);
  server = await startServer(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
});
afterAll(async () => {
  await stopServer(server);
  await Promise.all([removeTenant(tenantA), removeTenant(tenantB)]);
  await run('docker', ['rmi', HTTP_V2]).catch(() => undefined);
});

const call = (method: string, path: string, o: Parameters<typeof request>[3] = {}): Promise<Answer> =>
  request(server.port, method, path, o);

function spec(name: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    Name: name,
    Image: HTTP_IMAGE,
    ServicePort: port,
    ContainerPort: 80,
    Protocol: 'http',
    Replicas: 1,
    HealthCheckInterval: 1,
    ...extra,
  };
}

describe('svc serve: basics', () => {
  it('/_ping and /openapi.json answer without credentials, bare and versioned', async () => {
    for (const p of ['/_ping', '/v1.23/_ping']) {
      const r = await call('GET', p);
      expect(r.status).toBe(200);
      expect(r.text).toBe('OK');
      expect(r.headers['api-version']).toBe('1.23');
    }
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(doc.json.components.schemas.ServiceSpec.required).toEqual(['Name', 'Image', 'ServicePort']);
  });

  it('no credentials → 401; unknown path → 404; wrong method → 405', async () => {
    const r = await call('GET', '/v1.23/services');
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/no credentials/);
    expect(r.headers['www-authenticate']).toMatch(/Bearer/);
    expect((await call('GET', '/v1.23/nothing', A())).status).toBe(404);
    const m = await call('PUT', '/v1.23/services/x', A());
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('GET, DELETE');
  });

  it('/version and /info, signed', async () => {
    const v = await call('GET', '/v1.23/version', A());
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ ApiVersion: '1.23', Version: expect.any(String) });
    const i = await call('GET', '/info', A());
    expect(i.status).toBe(200);
    expect(i.json).toMatchObject({ Tenant: tenantA, NCPU: expect.any(Number), Services: 0 });
  });

  it('signature failures are 401: wrong secret, unknown key, stale date, tampered body, tampered path', async () => {
    const wrong = { ...keyA, SecretKey: `${keyA.SecretKey}x` };
    const bad = async (p: Promise<Answer>, why: RegExp) => {
      const r = await p;
      expect(r.status).toBe(401);
      expect(r.json.message).toMatch(why);
    };
    expect((await call('GET', '/v1.23/services', A())).status).toBe(200);
    await bad(call('GET', '/v1.23/services', { auth: { key: wrong } }), /signature does not match/);
    await bad(
      call('GET', '/v1.23/services', { auth: { key: { ...keyA, AccessKey: 'NOSUCHKEY' } } }),
      /signature/,
    );
    await bad(
      call('GET', '/v1.23/services', { ...A(), date: new Date(Date.now() - 6 * 60_000) }),
      /5 minutes/,
    );
    await bad(
      call('POST', '/v1.23/services/create', {
        ...A(),
        body: spec('tamper', 1),
        tamper: { body: JSON.stringify(spec('tampered', 1)) },
      }),
      /does not match the body/,
    );
    await bad(
      call('GET', '/v1.23/services/one', { ...A(), tamper: { path: '/v1.23/services/two' } }),
      /signature does not match/,
    );
    await bad(call('GET', '/v1.23/services', { auth: { bearer: 'not-a-token' } }), /unknown bearer token/);
    await bad(
      call('GET', '/v1.23/services', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }),
      /expected/,
    );
  });

  it('signed queries: filters in both docker shapes', async () => {
    const q = encodeURIComponent(JSON.stringify({ name: { web: true } }));
    const r = await call('GET', `/v1.23/services?filters=${q}`, A());
    expect(r.status).toBe(200);
    expect(r.json).toEqual([]);
    const bad = await call('GET', `/v1.23/services?filters=${encodeURIComponent('{"colour":["red"]}')}`, A());
    expect(bad.status).toBe(400);
  });

  it('create: 400 listing every problem with positions, malformed JSON, 415, 413', async () => {
    const r = await call('POST', '/v1.23/services/create', {
      ...A(),
      body: '{\n  "Name": "Web",\n  "ServicePort": "80",\n  "Replica": 2\n}',
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/4 problems/);
    expect(r.json.message).toContain('<body>:2:11: Name:');
    expect(r.json.message).toContain('<body>:3:18: ServicePort:');
    expect(r.json.message).toContain('Replica: unknown field; did you mean Replicas?');
    expect(r.json.message).toContain('Image: required');
    const m = await call('POST', '/v1.23/services/create', { ...A(), body: '{"Name": "web",}' });
    expect(m.status).toBe(400);
    expect(m.json.message).toMatch(/^malformed JSON at <body>:1:16: /);
    const t = await call('POST', '/services/create', {
      ...A(),
      body: JSON.stringify(spec('web', 1)),
      headers: { 'content-type': 'text/plain' },
    });
    expect(t.status).toBe(415);
    const big = await call('POST', '/services/create', {
      ...A(),
      body: `{"x":"${'a'.repeat(1024 * 1024)}"}`,
    });
    expect(big.status).toBe(413);
  });

  it('images: inspect present 200 and absent 404; create needs fromImage and answers a pull failure', async () => {
    const present = await call('GET', `/v1.23/images/${HTTP_IMAGE}/json`, A());
    expect(present.status).toBe(200);
    expect(present.json.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(present.json.RepoTags).toContain(HTTP_IMAGE);
    expect((await call('GET', '/v1.23/images/svc-test/absent:none/json', A())).status).toBe(404);
    expect((await call('POST', '/v1.23/images/create', A())).status).toBe(400);
    expect((await call('POST', '/v1.23/images/create?fromImage=Bad%20Image', A())).status).toBe(400);
    // No registry here: the pull fails, as an error status or an error line in the stream.
    const pull = await call('POST', '/v1.23/images/create?fromImage=svc-test/absent&tag=none', A());
    expect(pull.status === 200 ? pull.text : String(pull.status)).toMatch(/error|^[45]\d\d$/);
  });
});

describe('svc serve: the service lifecycle, signed', () => {
  let port: number;
  const name = 'api';

  beforeAll(async () => {
    port = await freePort();
  });

  it('create (original shape) → 201 + the Service; the same name again → 409', async () => {
    const body = {
      ...spec(name, port, { ContainerPort: 0, Replicas: 2 }),
      ServicePort: 80,
      ContainerPort: 0,
      Labels: { app: 'api' },
      Volumes: {},
      IP: '',
      Message: '',
      Status: '',
      Containers: null,
      Tenant: 'b8dc36865f4b480683dabb25598d61c4',
      Created: '2016-10-08T13:12:15.405946064Z',
    };
    const r = await call('POST', '/v1.23/services/create', { ...A(), body, chunked: true });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      Name: name,
      ServicePort: 80,
      ContainerPort: 80,
      Replicas: 2,
      Tenant: tenantA,
      Status: 'created',
      Message: 'Service is created',
    });
    expect(r.json.Containers).toHaveLength(2);
    for (const id of r.json.Containers) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(r.text).toBe(`${JSON.stringify(r.json, null, 2)}\n`);
    const again = await call('POST', '/services/create', { ...A(), body });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/already exists/);
    // The API's errors are the core's, neutral: no command line in them (the CLI adds its own).
    expect(again.json.message).not.toMatch(/\bsvc [a-z]|--[a-z]/);
  });

  it('GET /services is byte for byte svc ls -o json; GET /services/{name} is the inspect Service; filters', async () => {
    const list = await call('GET', '/v1.23/services', A());
    expect(list.status).toBe(200);
    const cli = await svc(['ls', '-o', 'json'], { tenant: tenantA });
    expect(list.text).toBe(cli.stdout);
    const one = await call('GET', `/v1.23/services/${name}`, A());
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ Name: name, Replicas: 2 });
    expect(one.json.ReplicaDetail).toHaveLength(2);
    const named = await call('GET', `/v1.23/services?filters=${encodeURIComponent('{"name":["api"]}')}`, A());
    expect(named.json.map((s: { Name: string }) => s.Name)).toEqual([name]);
    const none = await call('GET', '/v1.23/services/nope', A());
    expect(none.status).toBe(404);
    expect(none.json.message).toBe('no such service: nope');
  });

  it("another tenant's key sees nothing of it: 404, never 403", async () => {
    expect((await call('GET', '/v1.23/services', B())).json).toEqual([]);
    for (const [method, path, body] of [
      ['GET', `/v1.23/services/${name}`, undefined],
      ['POST', `/v1.23/services/${name}/update`, { Replicas: 1 }],
      ['DELETE', `/v1.23/services/${name}`, undefined],
    ] as const) {
      const r = await call(method, path, { ...B(), body });
      expect(r.status).toBe(404);
      expect(r.json.message).toBe(`no such service: ${name}`);
    }
    expect((await call('GET', `/v1.23/services/${name}`, A())).status).toBe(200);
  });

  it('update: 400 on bad bodies, 404 on a missing service', async () => {
    const bad = await call('POST', `/v1.23/services/${name}/update`, {
      ...A(),
      body: { Replicas: 'two', Name: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/2 problems/);
    expect(
      (await call('POST', '/v1.23/services/nope/update', { ...A(), body: { Replicas: 1 } })).status,
    ).toBe(404);
  });

  it('update Replicas; Image (a rolling update, chunked body); FIP attach, 409 when attached, "" detaches', async () => {
    const scaled = await call('POST', `/v1.23/services/${name}/update`, {
      ...A(),
      body: { Replicas: 3, Image: null, FIP: null },
    });
    expect(scaled.status, scaled.text).toBe(200);
    expect(scaled.json).toMatchObject({ Name: name, Replicas: 3 });
    expect(scaled.json.Containers).toHaveLength(3);

    const fipPort = await freePort();
    // The FIP publishes ServicePort: re-create on a free port to publish it.
    const svcName = 'pub';
    expect((await call('POST', '/services/create', { ...A(), body: spec(svcName, fipPort) })).status).toBe(
      201,
    );
    const rolled = await call('POST', `/v1.23/services/${svcName}/update`, {
      ...A(),
      body: { Image: HTTP_V2 },
      chunked: true,
    });
    expect(rolled.status, rolled.text).toBe(200);
    expect(rolled.json).toMatchObject({ Image: HTTP_V2 });
    expect(rolled.json.ReplicaDetail.map((r: { Image: string }) => r.Image)).toEqual([HTTP_V2]);
    const attached = await call('POST', `/v1.23/services/${svcName}/update`, {
      ...A(),
      body: { FIP: '127.0.0.1' },
    });
    expect(attached.status, attached.text).toBe(200);
    expect(attached.json.FIP).toBe('127.0.0.1');
    const { failures } = await httpGetMany(`http://127.0.0.1:${fipPort}/`, 3);
    expect(failures).toEqual([]);
    const twice = await call('POST', `/v1.23/services/${svcName}/update`, {
      ...A(),
      body: { FIP: '127.0.0.1' },
    });
    expect(twice.status, twice.text).toBe(409);
    expect(twice.json.message).toMatch(/already has FIP 127\.0\.0\.1$/);
    const detached = await call('POST', `/v1.23/services/${svcName}/update`, { ...A(), body: { FIP: '' } });
    expect(detached.status, detached.text).toBe(200);
    expect(detached.json.FIP).toBe('');
  });

  it('DELETE ?keep=true → 204, the replicas left running; again → 404; ?keep=maybe → 400; ?keey=yes → 204, all removed', async () => {
    const kept = await call('DELETE', `/v1.23/services/${name}?keep=true`, A());
    expect(kept.status).toBe(204);
    expect(kept.text).toBe('');
    const left = await engine.listContainers(labelFilter(tenantA, name, 'replica'));
    expect(left.filter((c) => c.state === 'running')).toHaveLength(3);
    expect((await call('DELETE', `/v1.23/services/${name}`, A())).status).toBe(404);
    expect((await call('DELETE', '/services/pub?keep=maybe', A())).status).toBe(400);
    // What the original client sends on every `hyper service rm`, --keep or not: ignored.
    expect((await call('DELETE', '/services/pub?keey=yes', A())).status).toBe(204);
    expect((await call('GET', '/services/pub', A())).status).toBe(404);
    expect(await engine.listContainers(labelFilter(tenantA, 'pub', 'replica'))).toEqual([]);
  });
});

describe('svc serve: concurrency', () => {
  it('10 simultaneous creates of one name: one 201, nine 409, nothing left over', async () => {
    const port = await freePort();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', '/v1.23/services/create', { ...A(), body: spec('race', port) }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    const objects = await engine.listContainers(labelFilter(tenantA, 'race'));
    const byRole = objects.map((c) => c.labels['io.svc.role']).sort();
    expect(byRole.filter((r) => r === 'lb')).toHaveLength(1);
    expect(byRole.filter((r) => r === 'replica')).toHaveLength(1);
    expect((await call('DELETE', '/v1.23/services/race', A())).status).toBe(204);
    await waitFor('nothing of race left', 10_000, async () =>
      (await engine.listContainers(labelFilter(tenantA, 'race'))).length === 0 ? true : undefined,
    );
  });
});
