/**
 * Runs the rendered config in a real HAProxy (a child process, no Docker): traffic, forwarded
 * headers, cookie affinity, a dead replica costing no request, the runtime API through busybox
 * nc with the argv runtimeCommandArgv builds, a master-worker reload, and `show stat` parsed.
 * With UPDATE_GOLDEN=1 it also saves the `show stat` output as fixtures/show-stat.csv.
 *
 * Outside Docker, two things of the rendered text are swapped for local ones: the runtime API
 * port (9999 may be taken here) and the resolvers' nameserver (127.0.0.11 exists only in a
 * container). Servers are given as 127.0.0.1 addresses, which need no resolution.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKEND_NAME,
  DOCKER_DNS,
  HAPROXY_RUNTIME_PORT,
  type LbServer,
  renderHaproxyConfig,
} from '../../src/haproxy/render-config.js';
import {
  parseServerStats,
  runtimeCommandArgv,
  type ServerStat,
  SHOW_STAT_COMMAND,
  setServerStateCommand,
} from '../../src/haproxy/runtime-stats.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import {
  busyboxBin,
  childEnv,
  FIXTURES_DIR,
  freePort,
  haproxyBin,
  makeSpec,
  sleep,
  tempDir,
  UPDATE,
} from './helpers.js';

interface Running {
  child: ChildProcess;
  log: () => string;
  cfgFile: string;
}

/** Rendered config with the runtime port and nameserver made local (see the file comment). */
function localize(cfg: string, runtimePort: number, dnsPort: number): string {
  const stats = `ipv4@127.0.0.1:${HAPROXY_RUNTIME_PORT} level admin`;
  expect(cfg).toContain(stats);
  expect(cfg).toContain(`nameserver dns ${DOCKER_DNS}`);
  return cfg
    .replace(stats, `ipv4@127.0.0.1:${runtimePort} level admin`)
    .replace(`nameserver dns ${DOCKER_DNS}`, `nameserver dns 127.0.0.1:${dnsPort}`);
}

/** One runtime API command over TCP, as `echo CMD | nc` does it. */
function runtime(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    sock.setEncoding('utf8');
    sock.setTimeout(5000, () => sock.destroy(new Error(`runtime API timeout: ${command}`)));
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (d: string) => {
      out += d;
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(out));
  });
}

async function startHaproxy(dir: string, cfg: string, runtimePort: number): Promise<Running> {
  const cfgFile = join(dir, 'haproxy.cfg');
  writeFileSync(cfgFile, cfg);
  const child = spawn(haproxyBin(), ['-W', '-db', '-f', cfgFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(),
  });
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${log}`);
    try {
      if ((await runtime(runtimePort, 'show info')).includes('Name: HAProxy')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`haproxy runtime API did not answer:\n${log}`);
    await sleep(100);
  }
  return { child, log: () => log, cfgFile };
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise((resolve) => r.child.once('exit', resolve));
  r.child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

/** HTTP backends that answer with their id and the request headers they received. */
async function startBackend(id: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

interface Reply {
  status: number;
  id: string;
  headers: Record<string, string>;
  setCookie: string | null;
}

async function get(port: number, cookie?: string): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}/`, cookie ? { headers: { cookie } } : {});
  const text = await res.text();
  // HAProxy's own error pages (502, 503) are HTML: keep the status, which the tests compare.
  const body =
    res.status === 200 ? (JSON.parse(text) as { id: string; headers: Record<string, string> }) : null;
  return {
    status: res.status,
    id: body?.id ?? '',
    headers: body?.headers ?? {},
    setCookie: res.headers.get('set-cookie'),
  };
}

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const byName = (stats: ServerStat[]) => Object.fromEntries(stats.map((s) => [s.server, s]));

describe('rendered http config in a real HAProxy', () => {
  const tmp = tempDir('svc-haproxy-live-');
  const backends: Server[] = [];
  let running: Running | undefined;
  let a = 0;
  let b = 0;
  let dead = 0;
  let servicePort = 0;
  let runtimePort = 0;
  let dnsPort = 0;
  let spec: ServiceSpec;
  let servers: LbServer[];

  beforeAll(async () => {
    haproxyBin(); // fail (not skip) at once when it is missing
    const ba = await startBackend('A');
    const bb = await startBackend('B');
    backends.push(ba.server, bb.server);
    a = ba.port;
    b = bb.port;
    [dead, servicePort, runtimePort, dnsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    spec = makeSpec({
      Protocol: 'http',
      ServicePort: servicePort,
      SessionAffinity: true,
      HealthCheckInterval: 1,
      HealthCheckFall: 1,
      HealthCheckRise: 1,
    });
    servers = [
      { name: 'r1', host: '127.0.0.1', port: a },
      { name: 'r2', host: '127.0.0.1', port: b },
      { name: 'r3', host: '127.0.0.1', port: dead }, // a crashed replica: nothing listens
      { name: 'r4', host: '127.0.0.1', port: a }, // drained below
      { name: 'r5', host: '127.0.0.1', port: b }, // put in maintenance below
      { name: 'r6', host: 'svc-no-such-replica.invalid', port: 80 }, // never resolves
    ];
    const cfg = localize(renderHaproxyConfig({ spec, servers }), runtimePort, dnsPort);
    running = await startHaproxy(tmp.dir, cfg, runtimePort);
  }, 30_000);

  afterAll(async () => {
    await stop(running);
    for (const s of backends) s.close();
    tmp.cleanup();
  });

  it('forwards requests with X-Forwarded-For/Proto and sets the affinity cookie', async () => {
    const r = await get(servicePort);
    expect(r.status).toBe(200);
    expect(r.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(r.headers['x-forwarded-proto']).toBe('http');
    expect(r.setCookie).toMatch(/^SVC_SERVER=r\d; path=\/; HttpOnly/);
  });

  it('loses no request to the dead replica, sticky or not', async () => {
    const replies = await Promise.all(Array.from({ length: 24 }, () => get(servicePort)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    // A client pinned to the dead replica is redispatched, not failed.
    for (let i = 0; i < 5; i++) {
      const r = await get(servicePort, 'SVC_SERVER=r3');
      expect(r.status).toBe(200);
      expect(r.setCookie).toMatch(/^SVC_SERVER=r[1245];/);
    }
  });

  it('keeps a client on its server and hides the cookie from the replica', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await get(servicePort, 'SVC_SERVER=r2');
      expect(r.id).toBe('B');
      expect(r.headers.cookie ?? '').not.toContain('SVC_SERVER');
    }
  });

  it('reports server states through the runtime API, parsed by parseServerStats', async () => {
    expect(await runtime(runtimePort, setServerStateCommand('r4', 'drain'))).toMatch(/^\s*$/);
    expect(await runtime(runtimePort, setServerStateCommand('r5', 'maint'))).toMatch(/^\s*$/);
    let text = '';
    await waitFor('r3 DOWN with a layer-4 check result', async () => {
      text = await runtime(runtimePort, SHOW_STAT_COMMAND);
      const s = byName(parseServerStats(text));
      return s.r3?.status === 'DOWN' && s.r3.checkStatus === 'L4CON' && s.r1?.checkStatus === 'L4OK';
    });
    if (UPDATE) {
      mkdirSync(FIXTURES_DIR, { recursive: true });
      writeFileSync(join(FIXTURES_DIR, 'show-stat.csv'), text);
    }
    const stats = parseServerStats(text);
    expect(stats.map((s) => s.server)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(stats.every((s) => s.backend === BACKEND_NAME)).toBe(true);
    const s = byName(stats);
    expect(s.r1).toEqual({
      backend: BACKEND_NAME,
      server: 'r1',
      status: 'UP',
      checkStatus: 'L4OK',
      address: `127.0.0.1:${a}`,
      sessions: 0,
    });
    expect(s.r2?.status).toBe('UP');
    expect(s.r3).toMatchObject({ status: 'DOWN', checkStatus: 'L4CON', address: `127.0.0.1:${dead}` });
    expect(s.r4?.status).toBe('DRAIN');
    expect(s.r5?.status).toBe('MAINT');
    expect(s.r6).toMatchObject({ status: 'MAINT', address: '' });
  });

  it('answers runtimeCommandArgv through busybox nc, as inside the container', () => {
    const bin = join(tmp.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(busyboxBin(), join(bin, 'nc'));
    const argv = runtimeCommandArgv(SHOW_STAT_COMMAND, runtimePort);
    const [cmd, ...args] = argv;
    const r = spawnSync(cmd as string, args, {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(parseServerStats(r.stdout).map((s) => s.server)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('reloads hitlessly on SIGUSR2 with a new replica set', async () => {
    const r = running as Running;
    const next = servers.filter((s) => s.name === 'r1' || s.name === 'r2');
    next.push({ name: 'r7', host: '127.0.0.1', port: a });
    writeFileSync(r.cfgFile, localize(renderHaproxyConfig({ spec, servers: next }), runtimePort, dnsPort));
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) statuses.push((await get(servicePort)).status);
    })();
    await sleep(300);
    r.child.kill('SIGUSR2');
    await waitFor('the reloaded worker', async () => {
      try {
        const names = parseServerStats(await runtime(runtimePort, SHOW_STAT_COMMAND)).map((s) => s.server);
        return names.join(',') === 'r1,r2,r7';
      } catch {
        return false;
      }
    });
    await sleep(300);
    stop = true;
    await load;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(r.log()).not.toMatch(/\[ALERT\]/);
  }, 30_000);
});

describe('a replica crash in a real HAProxy', () => {
  it('costs no client request, and the replica is marked DOWN', async () => {
    haproxyBin();
    const tmp = tempDir('svc-haproxy-crash-');
    const steady = await startBackend('A');
    const doomed = await startBackend('C');
    const [servicePort, runtimePort, dnsPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const spec = makeSpec({ Protocol: 'http', ServicePort: servicePort, HealthCheckInterval: 2 });
    const servers = [
      { name: 'r1', host: '127.0.0.1', port: steady.port },
      { name: 'r2', host: '127.0.0.1', port: doomed.port },
    ];
    let running: Running | undefined;
    try {
      running = await startHaproxy(
        tmp.dir,
        localize(renderHaproxyConfig({ spec, servers }), runtimePort, dnsPort),
        runtimePort,
      );
      await waitFor('both replicas UP and checked', async () => {
        const s = parseServerStats(await runtime(runtimePort, SHOW_STAT_COMMAND));
        return s.every((x) => x.status === 'UP' && x.checkStatus === 'L4OK');
      });
      const before = await Promise.all(Array.from({ length: 8 }, () => get(servicePort)));
      expect(new Set(before.map((r) => r.id))).toEqual(new Set(['A', 'C']));
      // Crash: the port closes and open connections die, between two health checks.
      doomed.server.closeAllConnections();
      await new Promise((resolve) => doomed.server.close(resolve));
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await get(servicePort)).status);
      const parallel = await Promise.all(Array.from({ length: 20 }, () => get(servicePort)));
      statuses.push(...parallel.map((r) => r.status));
      expect(statuses).toEqual(statuses.map(() => 200));
      expect(parallel.every((r) => r.id === 'A')).toBe(true);
      await waitFor('r2 DOWN', async () => {
        const s = parseServerStats(await runtime(runtimePort, SHOW_STAT_COMMAND));
        return s.find((x) => x.server === 'r2')?.status === 'DOWN';
      });
    } finally {
      await stop(running);
      steady.server.close();
      tmp.cleanup();
    }
  }, 30_000);
});

describe('ServicePort equal to the runtime API port', () => {
  it('still serves both: the runtime API on 127.0.0.1, the service on every other address', async () => {
    haproxyBin();
    const tmp = tempDir('svc-haproxy-collide-');
    const port = await freePort();
    // Rendered with ServicePort = the runtime port: `bind :P` next to `ipv4@127.0.0.1:P`.
    const cfg = localize(
      renderHaproxyConfig({ spec: makeSpec({ ServicePort: port }), servers: [] }),
      port,
      await freePort(),
    );
    let running: Running | undefined;
    try {
      running = await startHaproxy(tmp.dir, cfg, port);
      expect(await runtime(port, 'show info')).toContain('Name: HAProxy');
      const res = await fetch(`http://127.0.0.2:${port}/`);
      expect(res.status).toBe(503); // the frontend, with no server
    } finally {
      await stop(running);
      tmp.cleanup();
    }
  }, 30_000);
});
