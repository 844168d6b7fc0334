/**
 * `svc serve` end to end: curl with a bearer token through a whole service lifecycle, graceful
 * shutdown with a request in flight, HTTPS with the generated certificate, key revocation.
 */
import { statSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import { createKey, newConfigDir, request, type Server, startServer, stopServer } from './serve-client.js';
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

const tenant = newTenant();
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => stopServer(s)));
  await removeTenant(tenant);
});

async function serve(dir: string, args: string[]): Promise<Server> {
  const s = await startServer(dir, args);
  servers.push(s);
  return s;
}

/** `curl -s` with a bearer token; the status code and the body. */
async function curl(token: string, args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', [
    '-s',
    '-H',
    `Authorization: Bearer ${token}`,
    '-w',
    '\n%{http_code}',
    ...args,
  ]);
  const nl = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(nl + 1)), body: stdout.slice(0, nl) };
}

describe('a curl run with a bearer token', () => {
  it('create → traffic through the FIP → update Replicas → delete', async () => {
    const dir = newConfigDir();
    const key = await createKey(dir, tenant);
    const s = await serve(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
    const base = `http://127.0.0.1:${s.port}/v1.23`;
    const port = await freePort();
    const json = ['-H', 'Content-Type: application/json'];

    const created = await curl(key.SecretKey, [
      ...json,
      '-d',
      JSON.stringify({
        Name: 'web',
        Image: HTTP_IMAGE,
        ServicePort: port,
        ContainerPort: 80,
        Protocol: 'http',
        Replicas: 2,
        HealthCheckInterval: 1,
        FIP: '127.0.0.1',
      }),
      `${base}/services/create?wait=true`,
    ]);
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ Name: 'web', FIP: '127.0.0.1', Tenant: tenant });

    const before = await httpGetMany(`http://127.0.0.1:${port}/`, 6);
    expect(before.failures).toEqual([]);
    expect(new Set(before.bodies).size).toBe(2);

    const updated = await curl(key.SecretKey, [
      ...json,
      '-d',
      '{"Replicas":3}',
      `${base}/services/web/update`,
    ]);
    expect(updated.status).toBe(200);
    expect(JSON.parse(updated.body)).toMatchObject({ Replicas: 3 });
    await waitFor('3 replicas answering', 30_000, async () => {
      const { bodies } = await httpGetMany(`http://127.0.0.1:${port}/`, 9);
      return new Set(bodies).size === 3 ? true : undefined;
    });

    const listed = await curl(key.SecretKey, [`${base}/services`]);
    expect(JSON.parse(listed.body).map((x: { Name: string }) => x.Name)).toEqual(['web']);

    const removed = await curl(key.SecretKey, ['-X', 'DELETE', `${base}/services/web`]);
    expect(removed.status).toBe(204);
    expect((await curl(key.SecretKey, [`${base}/services/web`])).status).toBe(404);
    expect(await engine.listContainers(labelFilter(tenant, 'web'))).toEqual([]);

    // One JSON access-log line per request.
    const log = s.lines.filter((l) => l.includes('"route":"services.create"')).map((l) => JSON.parse(l));
    expect(log[0]).toMatchObject({ method: 'POST', status: 201, tenant, accessKey: key.AccessKey });
  });
});

describe('serving', () => {
  it('SIGTERM mid-request: the request in flight finishes, no new ones, exit 0', async () => {
    const dir = newConfigDir();
    const key = await createKey(dir, tenant);
    const s = await serve(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
    const body = {
      Name: 'slow',
      Image: HTTP_IMAGE,
      ServicePort: 80,
      Replicas: 2,
      HealthCheckInterval: 1,
    };
    const inFlight = request(s.port, 'POST', '/v1.23/services/create?wait=true', { auth: { key }, body });
    await waitFor('the create to be in flight', 10_000, async () =>
      (await engine.listContainers(labelFilter(tenant, 'slow'))).length > 0 ? true : undefined,
    );
    s.child.kill('SIGTERM');
    await waitFor('the shutdown to begin', 5_000, async () =>
      s.lines.some((l) => l.includes('"msg":"shutting down"')) ? true : undefined,
    );
    await expect(request(s.port, 'GET', '/_ping')).rejects.toThrow(/ECONNREFUSED/);
    const answer = await inFlight;
    expect(answer.status).toBe(201);
    expect(answer.json.Containers).toHaveLength(2);
    expect(await s.exited).toBe(0);
    expect(s.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('HTTPS by default, with a self-signed certificate made once (0600) in the config dir; or the files given', async () => {
    const dir = newConfigDir();
    const key = await createKey(dir, tenant);
    const s = await serve(dir, ['--listen', `127.0.0.1:${await freePort()}`]);
    const certFile = join(dir, 'serve-cert.pem');
    expect(statSync(join(dir, 'serve-key.pem')).mode & 0o777).toBe(0o600);
    const { stdout: cert } = await run('cat', [certFile]);
    const answer = await new Promise<{ status: number; body: string }>((res, rej) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: s.port,
            path: '/v1.23/services',
            ca: cert,
            headers: { authorization: `Bearer ${key.SecretKey}` },
          },
          (r) => {
            let body = '';
            r.on('data', (c) => {
              body += c;
            });
            r.on('end', () => res({ status: r.statusCode ?? 0, body }));
          },
        )
        .on('error', rej);
    });
    expect(answer.status).toBe(200);
    // The same certificate next time.
    await stopServer(s);
    const again = await serve(dir, ['--listen', `127.0.0.1:${await freePort()}`]);
    expect(again.lines.find((l) => l.includes('"msg":"listening"'))).toContain('"generated":false');
    // Given files are served as they are.
    const other = newConfigDir();
    const given = await serve(other, [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--tls-cert',
      certFile,
      '--tls-key',
      join(dir, 'serve-key.pem'),
    ]);
    expect(given.lines.find((l) => l.includes('"msg":"listening"'))).toContain(`"certificate":"${certFile}"`);
    expect(statSync(other).isDirectory()).toBe(true);
    const half = await svc(['serve', '--tls-cert', certFile], { env: { SVC_CONFIG_DIR: other } });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/both --tls-cert FILE and --tls-key FILE/);
  });

  it('plain HTTP only on loopback; a removed key is refused at once', async () => {
    const dir = newConfigDir();
    const refused = await svc(['serve', '--insecure-http', '--listen', '0.0.0.0:0'], {
      env: { SVC_CONFIG_DIR: dir },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/only on a loopback address/);

    const key = await createKey(dir, tenant);
    const s = await serve(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
    expect((await request(s.port, 'GET', '/services', { auth: { bearer: key.SecretKey } })).status).toBe(200);
    const ls = await svc(['serve', 'keys', 'ls', '-o', 'json'], { env: { SVC_CONFIG_DIR: dir } });
    expect(JSON.parse(ls.stdout)).toEqual([
      { AccessKey: key.AccessKey, Tenant: tenant, Created: key.Created },
    ]);
    expect(ls.stdout).not.toContain(key.SecretKey);
    const rm = await svc(['serve', 'keys', 'rm', key.AccessKey], { env: { SVC_CONFIG_DIR: dir } });
    expect(rm.code).toBe(0);
    expect((await request(s.port, 'GET', '/services', { auth: { bearer: key.SecretKey } })).status).toBe(401);
    expect((await request(s.port, 'GET', '/services', { auth: { key } })).status).toBe(401);
  });
});
