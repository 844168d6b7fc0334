/**
 * SessionAffinity against the real engine and HAProxy: in http mode an inserted cookie pins a
 * client to one replica, and a client whose replica is killed (docker kill) moves to a live one
 * with no failed request; in tcp mode a source-address stick table pins every connection of one
 * client (on the host, or in a container on the tenant network).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  countBy,
  freePort,
  HTTP_IMAGE,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  TCP_IMAGE,
  tcpHello,
} from './support/harness.js';

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

async function create(name: string, args: string[]): Promise<void> {
  const r = await svc(
    [
      'create',
      '--name',
      name,
      '--session-affinity',
      '--health-check-interval',
      '1',
      '--fip',
      '127.0.0.1',
      '--wait',
      ...args,
    ],
    { tenant },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

interface Answer {
  status: number;
  body: string;
  cookie: string | undefined;
}

/** A GET on a fresh connection, sending `cookie`; the SVC_SERVER cookie the answer sets, if any. */
async function get(url: string, cookie?: string): Promise<Answer> {
  const r = await fetch(url, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(5000) });
  const set = r.headers.getSetCookie().find((c) => c.startsWith('SVC_SERVER='));
  return { status: r.status, body: (await r.text()).trim(), cookie: set?.split(';')[0] };
}

describe('SessionAffinity in http mode (cookie)', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    await create('sticky', [
      '--image',
      HTTP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--protocol',
      'http',
      '--replicas',
      '3',
    ]);
  });

  it('without the cookie, requests are balanced; with it, 50 requests stay on one replica', async () => {
    const url = `http://127.0.0.1:${port}/`;
    const fresh: string[] = [];
    for (let i = 0; i < 6; i++) fresh.push((await get(url)).body);
    expect(Object.keys(countBy(fresh))).toHaveLength(3);

    const first = await get(url);
    expect(first.cookie).toMatch(/^SVC_SERVER=r[123]$/);
    const bodies: string[] = [];
    for (let i = 0; i < 50; i++) {
      const a = await get(url, first.cookie);
      expect(a.status).toBe(200);
      bodies.push(a.body);
    }
    expect(countBy(bodies)).toEqual({ [first.body]: 50 });
  });

  it('survives a docker kill of the pinned replica with no failed request', async () => {
    const url = `http://127.0.0.1:${port}/`;
    const first = await get(url);
    let cookie = first.cookie;
    const pinned = first.body;
    const hosts = await replicaHostnames(tenant, 'sticky');
    const number = hosts.get(pinned);
    expect(number).toBeDefined();
    await run('docker', ['kill', names.replica(tenant, 'sticky', number as number)]);

    const failures: string[] = [];
    const after: string[] = [];
    for (let i = 0; i < 50; i++) {
      try {
        const a = await get(url, cookie);
        if (a.status !== 200) failures.push(`HTTP ${a.status}`);
        else after.push(a.body);
        if (a.cookie) cookie = a.cookie;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    expect(failures).toEqual([]);
    // Moved to a live replica, and pinned there from then on (the killed one may come back
    // under its restart policy; it is no longer this client's).
    const moved = after.filter((b) => b !== pinned);
    expect(moved.length).toBeGreaterThan(0);
    const last10 = after.slice(-10);
    expect(new Set(last10).size).toBe(1);
    console.log(`affinity: after docker kill of ${pinned}: ${JSON.stringify(countBy(after))}`);
  });
});

describe('SessionAffinity in tcp mode (source address)', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    await create('stick-tcp', [
      '--image',
      TCP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '9000',
      '--replicas',
      '3',
    ]);
  });

  // The containers connect first, so the host client is pinned to another replica than the one
  // the round-robin of a fresh worker picks first: a reload that let the host in before its entry
  // was handed over would show.
  let containerPin = '';

  it('every connection of a client container on the tenant network goes to one replica', async () => {
    const script = `for i in 1 2 3 4 5 6 7 8; do echo | nc -w 2 stick-tcp ${port} | head -n 1; done`;
    const clients: string[] = [];
    for (let c = 0; c < 2; c++) {
      const { stdout } = await run('docker', [
        'run',
        '--rm',
        '--network',
        names.network(tenant),
        TCP_IMAGE,
        'sh',
        '-c',
        script,
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(8);
      expect(new Set(lines).size, stdout).toBe(1);
      clients.push(lines[0] as string);
    }
    console.log(`affinity: tcp clients on the tenant network pinned to ${JSON.stringify(clients)}`);
    containerPin = clients[0] as string;
  });

  it('every connection of a host client goes to one replica', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { socket, hello } = await tcpHello(port);
      socket.destroy();
      seen.push(hello);
    }
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).not.toBe(containerPin);
  });

  it('keeps the pin across a reload (scale 3 → 5): the stick table passes to the new worker', async () => {
    const before = await tcpHello(port);
    before.socket.destroy();
    const s = await svc(['scale', 'stick-tcp=5'], { tenant });
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { socket, hello } = await tcpHello(port);
      socket.destroy();
      seen.push(hello);
    }
    expect(countBy(seen)).toEqual({ [before.hello]: 10 });
  });

  it('keeps the pin of a client that connects all through two reloads (scale 5 → 4 → 5)', async () => {
    const pin = await tcpHello(port);
    pin.socket.destroy();
    // A client connecting in a loop meets each reload's first milliseconds, before the old worker
    // has pushed the table: it may be placed anew for those, but its entry must win.
    let stop = false;
    const answers: string[] = [];
    const loop = (async () => {
      const until = Date.now() + 30_000;
      while (!stop && Date.now() < until && answers.length < 20_000) {
        const { socket, hello } = await tcpHello(port);
        socket.destroy();
        answers.push(hello);
      }
    })();
    try {
      for (const n of [4, 5]) {
        const s = await svc(['scale', `stick-tcp=${n}`], { tenant });
        expect(s.code, s.stderr).toBe(0);
      }
    } finally {
      stop = true;
      await loop;
    }
    const after: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { socket, hello } = await tcpHello(port);
      socket.destroy();
      after.push(hello);
    }
    const elsewhere = answers.filter((a) => a !== pin.hello).length;
    console.log(`affinity: ${answers.length} connections through two reloads, ${elsewhere} placed elsewhere`);
    expect(countBy(after)).toEqual({ [pin.hello]: 5 });
  });
});

describe('examples/sticky.yaml, as written (on a free port)', () => {
  const exTenant = newTenant();
  afterAll(() => removeTenant(exTenant));

  it('pins a client that sends the cookie back', async () => {
    const port = await freePort();
    const r = await svc(
      [
        'create',
        '-f',
        join(import.meta.dirname, '../../examples/sticky.yaml'),
        '--service-port',
        String(port),
        '--wait',
      ],
      { tenant: exTenant },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const url = `http://127.0.0.1:${port}/`;
    const first = await get(url);
    expect(first.cookie).toMatch(/^SVC_SERVER=r[123]$/);
    for (let i = 0; i < 10; i++) expect((await get(url, first.cookie)).body).toBe(first.body);
  });
});
