/**
 * The API's request rate for `GET /services` with 20 services, against the CLI's `svc ls`.
 * A measurement, not a check of correctness: it runs only with SVC_BENCH=1
 * (`SVC_BENCH=1 npx vitest run --project integration test/integration/serve-bench.test.ts`).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, newConfigDir, request, type Server, startServer, stopServer } from './serve-client.js';
import { freePort, HTTP_IMAGE, newTenant, removeTenant, svc } from './support/harness.js';

const SERVICES = 20;
const SECONDS = 5;
const tenant = newTenant();

describe.runIf(process.env.SVC_BENCH === '1')('bench: GET /services vs svc ls (20 services)', () => {
  let server: Server;
  let token: string;

  beforeAll(async () => {
    const dir = newConfigDir();
    token = (await createKey(dir, tenant)).SecretKey;
    server = await startServer(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
    for (let i = 0; i < SERVICES; i += 5) {
      const batch = Array.from({ length: Math.min(5, SERVICES - i) }, (_, j) =>
        request(server.port, 'POST', '/v1.23/services/create', {
          auth: { bearer: token },
          body: { Name: `b${i + j}`, Image: HTTP_IMAGE, ServicePort: 80 },
        }),
      );
      for (const a of await Promise.all(batch)) expect(a.status).toBe(201);
    }
  }, 600_000);
  afterAll(async () => {
    await stopServer(server);
    await removeTenant(tenant);
  });

  it('measures both', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const get = () =>
      new Promise<number>((res, rej) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port: server.port,
              path: '/v1.23/services',
              agent,
              headers: { authorization: `Bearer ${token}` },
            },
            (r) => {
              r.resume();
              r.on('end', () => res(r.statusCode ?? 0));
            },
          )
          .on('error', rej);
      });
    let api = 0;
    const until = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          expect(await get()).toBe(200);
          api++;
        }
      }),
    );
    agent.destroy();
    let cli = 0;
    const cliUntil = Date.now() + SECONDS * 1000;
    while (Date.now() < cliUntil) {
      expect((await svc(['ls', '-q'], { tenant })).code).toBe(0);
      cli++;
    }
    const line = `GET /services (${SERVICES} services, 4 connections): ${(api / SECONDS).toFixed(1)} req/s; svc ls: ${(cli / SECONDS).toFixed(1)} runs/s`;
    process.stdout.write(`${line}\n`);
    expect(api).toBeGreaterThan(0);
  }, 120_000);
});
