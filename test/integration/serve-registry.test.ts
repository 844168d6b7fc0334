/**
 * `svc serve` never pulls with its operator's registry login: the server runs logged in to a real
 * private registry (support/registry.ts), and a request without its own X-Registry-Auth is refused
 * (503, naming the registry), pulls nothing and creates nothing; with the request's header (as
 * the original client encodes it) the pull and the create work. The password is in nothing the
 * server logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import {
  createKey,
  type Key,
  newConfigDir,
  request,
  type Server,
  startServer,
  stopServer,
} from './serve-client.js';
import { engine, freePort, HTTP_IMAGE, httpGetMany, newTenant, removeTenant } from './support/harness.js';
import { startRegistry, type TestRegistry } from './support/registry.js';

const tenant = newTenant();
let reg: TestRegistry;
let image: { ref: string; digest: string };
let server: Server;
let key: Key;

beforeAll(async () => {
  reg = await startRegistry();
  [image] = (await reg.push([[HTTP_IMAGE, 'acc/tenant-only:1']])) as [typeof image];
  const dir = newConfigDir();
  key = await createKey(dir, tenant);
  // The operator is logged in to the registry: svc serve must not use it for anyone.
  server = await startServer(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`], {
    DOCKER_CONFIG: reg.loggedIn,
  });
}, 120_000);

afterAll(async () => {
  await stopServer(server);
  await removeTenant(tenant);
  await reg?.forget([image?.ref].filter(Boolean));
  await reg?.stop();
}, 120_000);

/** X-Registry-Auth as the original client sends it: the AuthConfig's JSON in URL-safe base64. */
const registryAuth = (password: string) => ({
  'x-registry-auth': Buffer.from(
    JSON.stringify({ username: reg.user, password, serveraddress: reg.host }),
  ).toString('base64url'),
});

const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  request(server.port, method, path, { auth: { key }, headers, body });

const pull = (headers: Record<string, string> = {}) => {
  const [repo, tag] = [image.ref.slice(0, image.ref.lastIndexOf(':')), '1'];
  return call('POST', `/v1.23/images/create?fromImage=${encodeURIComponent(repo)}&tag=${tag}`, headers);
};

const create = (name: string, port: number, headers: Record<string, string> = {}) =>
  call('POST', '/v1.23/services/create', headers, {
    Name: name,
    Image: image.ref,
    ServicePort: port,
    ContainerPort: 80,
    Protocol: 'http',
    Replicas: 1,
    HealthCheckInterval: 1,
    FIP: '127.0.0.1',
  });

describe('svc serve and a private registry', () => {
  it("a request without X-Registry-Auth is refused (503, the registry named), not pulled with the operator's login", async () => {
    const r = await pull();
    expect(r.status).toBe(503);
    expect(r.json.message).toContain(`registry ${reg.host} wants a login, and there is none for it`);
    expect(r.json.message).toContain("the request's X-Registry-Auth header");
    expect(await engine.imageExists(image.ref)).toBe(false);
    const c = await create('nologin', await freePort());
    expect(c.status).toBe(503);
    expect(c.json.message).toContain(`registry ${reg.host} wants a login`);
    expect(await engine.listContainers(labelFilter(tenant))).toEqual([]);
  });

  it("a wrong password in the request's header is refused, naming where the login came from", async () => {
    const r = await pull(registryAuth('not-the-password'));
    expect(r.status).toBe(503);
    expect(r.json.message).toContain(
      `registry ${reg.host} refused the login for it from the request's X-Registry-Auth header`,
    );
    expect(await engine.imageExists(image.ref)).toBe(false);
  });

  it("with the request's own login: images/create pulls, services/create makes the service", async () => {
    const r = await pull(registryAuth(reg.password));
    expect(r.status).toBe(200);
    expect(r.text).toContain(`Status: image ${image.ref} is present`);
    expect(await engine.imageExists(image.ref)).toBe(true);
    await reg.forget([image.ref]);
    // svc's own: services/create takes the header too (Swarm keeps it for its tasks' pulls).
    const port = await freePort();
    const c = await create('withlogin', port, registryAuth(reg.password));
    expect(c.status).toBe(201);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 3)).failures).toEqual([]);
  });

  it('the password is in nothing the server logged', () => {
    const all = server.lines.join('\n');
    expect(all).toContain('images.create');
    expect(all).not.toContain(reg.password);
  });
});
