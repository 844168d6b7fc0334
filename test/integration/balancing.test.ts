/**
 * The load balancer balances as the spec says: leastconn, source, and health checks that take a
 * stopped replica out of rotation and put it back once it is started again.
 */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  countBy,
  engine,
  freePort,
  HTTP_IMAGE,
  httpGet,
  httpGetMany,
  lbServers,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  TCP_IMAGE,
  tcpHello,
  waitFor,
} from './support/harness.js';

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Create with --wait, then wait until the load balancer has seen every replica pass a health check
 * on two reads more than one check interval apart. (`--wait` alone is not enough: it also counts a
 * server HAProxy marks UP on DNS resolution before any check ran, which may still go DOWN.)
 */
async function create(
  service: string,
  replicas: number,
  args: string[],
): Promise<{ Containers: string[] } & Record<string, unknown>> {
  const r = await svc(
    ['create', '--name', service, '--replicas', String(replicas), ...args, '--fip', '127.0.0.1', '--wait'],
    { tenant },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lb = await lbId(service);
  const healthy = async () => {
    const stats = await serverStats(lb);
    return (
      stats.length === replicas && stats.every((s) => s.status === 'UP' && /^L[4-7]OK$/.test(s.checkStatus))
    );
  };
  await waitFor(`every replica of ${service} UP after a passed check`, 30_000, async () => {
    if (!(await healthy())) return undefined;
    await sleep(1500);
    return (await healthy()) ? true : undefined;
  });
  return JSON.parse(r.stdout);
}

/** Close a socket from our side and resolve once the connection is closed on both sides. */
function closeSocket(socket: net.Socket): Promise<void> {
  return new Promise((res) => {
    if (socket.destroyed) return res();
    socket.once('close', () => res());
    socket.end();
  });
}

/** Open a connection, read the greeting's replica hostname, close it. */
async function shortConnection(port: number): Promise<string> {
  const { socket, hello } = await tcpHello(port);
  await closeSocket(socket);
  return hello.replace(/^hello from /, '');
}

async function lbId(service: string): Promise<string> {
  const lbs = await engine.listContainers(labelFilter(tenant, service, 'lb'));
  expect(lbs).toHaveLength(1);
  return lbs[0]?.id as string;
}

async function serverStats(
  lb: string,
): Promise<Array<{ server: string; status: string; checkStatus: string }>> {
  return (await lbServers(lb)).map((s) => ({ server: s.server, status: s.status, checkStatus: s.check }));
}

describe('Algorithm leastconn', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    await create('least', 2, [
      '--image',
      TCP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '9000',
      '--algorithm',
      'leastconn',
      '--health-check-interval',
      '1',
    ]);
  });

  it('sends new connections to the replica with fewer connections', async () => {
    const hosts = await replicaHostnames(tenant, 'least');
    expect(hosts.size).toBe(2);
    const held = await tcpHello(port);
    try {
      const pinned = held.hello.replace(/^hello from /, '');
      expect(hosts.has(pinned)).toBe(true);
      const other = [...hosts.keys()].find((h) => h !== pinned);
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) seen.push(await shortConnection(port));
      // Round robin would send every other one to `pinned`; leastconn sends none there.
      expect(seen).toEqual(Array(6).fill(other));
      // The held connection is still alive and carried by its replica.
      const echoed = new Promise<string>((res, rej) => {
        let buf = '';
        held.socket.on('data', (c: string) => {
          buf += c;
          if (buf.includes('\n')) res(buf);
        });
        held.socket.once('error', rej);
        setTimeout(() => rej(new Error(`no echo on the held connection; got ${JSON.stringify(buf)}`)), 5000);
      });
      held.socket.write('still-here\n');
      expect(await echoed).toBe('still-here\n');
    } finally {
      await closeSocket(held.socket);
    }
  });
});

describe('Algorithm source', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    await create('source', 3, [
      '--image',
      HTTP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--protocol',
      'http',
      '--algorithm',
      'source',
      '--health-check-interval',
      '1',
    ]);
  });

  it('sends every request of one client address to one replica', async () => {
    const hosts = await replicaHostnames(tenant, 'source');
    expect(hosts.size).toBe(3);
    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 30);
    expect(failures).toEqual([]);
    const counts = countBy(bodies);
    expect(Object.keys(counts)).toHaveLength(1);
    expect(hosts.has(Object.keys(counts)[0] as string)).toBe(true);
    expect(Object.values(counts)).toEqual([30]);
  });
});

describe('health checks: a stopped replica leaves the rotation and comes back when started', () => {
  const interval = 1;
  const fall = 2;
  const rise = 2;
  let port: number;
  let url: string;
  let service: { Containers: string[] };

  beforeAll(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    service = await create('health', 2, [
      '--image',
      HTTP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--protocol',
      'http',
      '--health-check-interval',
      String(interval),
      '--health-check-fall',
      String(fall),
      '--health-check-rise',
      String(rise),
    ]);
  });

  it('takes the replica out within fall×interval, and back within rise×interval, of stop and start', async () => {
    expect(service.Containers).toHaveLength(2);
    const victim = service.Containers[0] as string;
    const survivor = service.Containers[1] as string;
    const victimHost = victim.slice(0, 12);
    const survivorHost = survivor.slice(0, 12);
    const detail = await engine.inspectContainer(victim);
    const server = `r${detail.labels[LABEL.replica]}`;
    const lb = await lbId('health');

    // Both replicas answer before the stop, and the load balancer sees both UP.
    const before = await httpGetMany(url, 6);
    expect(before.failures).toEqual([]);
    expect(new Set(before.bodies)).toEqual(new Set([victimHost, survivorHost]));
    expect((await serverStats(lb)).map((s) => [s.server, s.status]).sort()).toEqual([
      ['r1', 'UP'],
      ['r2', 'UP'],
    ]);

    // A client that keeps sending requests, one at a time, through the stop (bounded).
    let clientDone = false;
    let sent = 0;
    const failures: string[] = [];
    const clientStart = Date.now();
    const client = (async () => {
      while (!clientDone && sent < 300 && Date.now() - clientStart < 15_000) {
        sent++;
        try {
          const a = await httpGet(url);
          if (a.status !== 200) failures.push(`HTTP ${a.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
        await sleep(20);
      }
    })();

    let outMs: number;
    let outStatus = '';
    let stoppedFor: number;
    try {
      await run('docker', ['stop', '-t', '1', victim]);
      const stopped = Date.now();
      await waitFor(`${server} out of rotation`, (fall * interval + 20) * 1000, async () => {
        const stat = (await serverStats(lb)).find((s) => s.server === server);
        if (!stat || stat.status === 'UP') return undefined;
        const { bodies, failures: f } = await httpGetMany(url, 10);
        if (f.length > 0 || !bodies.every((b) => b === survivorHost)) return undefined;
        outStatus = `${stat.status} (${stat.checkStatus})`;
        return true;
      });
      outMs = Date.now() - stopped;
      // Still out while stopped: the survivor takes everything. The client keeps going meanwhile,
      // so that it covers at least 6 s of the replica being stopped.
      const during = await httpGetMany(url, 6);
      expect(during.failures).toEqual([]);
      expect(during.bodies).toEqual(Array(6).fill(survivorHost));
      await sleep(Math.max(0, 6000 - (Date.now() - stopped)));
      stoppedFor = Date.now() - stopped;
    } finally {
      clientDone = true;
      await client;
    }
    console.log(
      `health: stop -> out of rotation (${server} ${outStatus}) in ${outMs} ms; ` +
        `${failures.length} of ${sent} requests failed over the stop (${Date.now() - clientStart} ms, ` +
        `${stoppedFor} ms of it stopped)${failures.length > 0 ? `: ${[...new Set(failures)].join('; ')}` : ''}`,
    );
    expect(outMs).toBeLessThanOrEqual((fall * interval + 6) * 1000);
    // Retries on another server (retries 3, option redispatch): the stop costs the client nothing.
    expect(failures).toEqual([]);

    await run('docker', ['start', victim]);
    const started = Date.now();
    await waitFor(`${server} back in rotation`, (rise * interval + 30) * 1000, async () => {
      const stat = (await serverStats(lb)).find((s) => s.server === server);
      if (stat?.status !== 'UP') return undefined;
      const { bodies } = await httpGetMany(url, 6);
      return bodies.includes(victimHost) ? true : undefined;
    });
    const backMs = Date.now() - started;
    console.log(`health: start -> UP and answering again in ${backMs} ms`);
    expect(backMs).toBeLessThanOrEqual((rise * interval + 10) * 1000);

    const after = await httpGetMany(url, 10);
    expect(after.failures).toEqual([]);
    expect(countBy(after.bodies)).toEqual({ [victimHost]: 5, [survivorHost]: 5 });
  });
});
