/** The HTTP layer in-process, with a stub engine: limits, content types, auth, shutdown, the log. */

import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/server/keys.js';
import { ApiServer } from '../../src/server/server.js';
import { FakeEngine, FakeWorld } from '../support/fake-engine.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';

/** An engine with no containers (the one fake engine of the tests); the HTTP layer changes nothing in it. */
const world = new FakeWorld();
const engine = new FakeEngine(world);

let api: ApiServer | undefined;
afterEach(async () => {
  api?.closeNow();
  await api?.close();
  api = undefined;
  expect(world.calls).toEqual([]);
});

async function start() {
  const keys = new KeyStore(mkdtempSync(join(tmpdir(), 'svc-srv-')));
  const key = keys.create(TENANT);
  const log: Array<Record<string, unknown>> = [];
  api = new ApiServer({ engine, keys, lbImage: 'lb', version: '0.0.0', log: (e) => log.push(e) });
  const { port } = await api.listen(0, '127.0.0.1');
  return { port, token: key.SecretKey, log, key };
}

function send(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; chunks?: Buffer[]; agent?: http.Agent } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((res, rej) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: opts.headers, agent: opts.agent ?? false },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => {
          body += c;
        });
        r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
      },
    );
    req.on('error', rej);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}

describe('ApiServer', () => {
  it('answers bare and versioned paths, HEAD, and logs one JSON line per request', async () => {
    const { port, token, log, key } = await start();
    const auth = { authorization: `Bearer ${token}` };
    expect((await send(port, 'GET', '/v1.23/services', { headers: auth })).body).toBe('[]\n');
    expect((await send(port, 'GET', '/services', { headers: auth })).status).toBe(200);
    const head = await send(port, 'HEAD', '/_ping');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toHaveLength(3);
    expect(log[0]).toMatchObject({
      method: 'GET',
      url: '/v1.23/services',
      route: 'services.list',
      status: 200,
      tenant: TENANT,
      accessKey: key.AccessKey,
      ms: expect.any(Number),
    });
  });

  it('a chunked body over 1 MiB is a 413; a wrong content type a 415; an empty create body a 400', async () => {
    const { port, token } = await start();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const big = await send(port, 'POST', '/services/create', {
      headers: { ...headers, 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 5 }, () => Buffer.alloc(300 * 1024, 0x20)),
    });
    expect(big.status).toBe(413);
    const wrongType = await send(port, 'POST', '/services/create', {
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      chunks: [Buffer.from('{}')],
    });
    expect(wrongType.status).toBe(415);
    const empty = await send(port, 'POST', '/services/create', { headers });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body).message).toMatch(/empty/);
  });

  it('shutting down closes idle keep-alive connections at once and refuses new ones', async () => {
    const { port, token } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { authorization: `Bearer ${token}` };
    expect((await send(port, 'GET', '/services', { headers, agent })).status).toBe(200);
    const closed = (api as ApiServer).close();
    await closed;
    await expect(send(port, 'GET', '/_ping')).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});
