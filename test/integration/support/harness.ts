/**
 * What the integration tests share: the test images and tenants, the real engine, talking
 * HTTP/TCP to what svc made, and cleaning up by label (every test tenant starts with 7e57, so
 * leftovers of crashed runs are found and removed too). The built CLI is run by
 * test/support/cli.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { swarmNames } from '../../../src/backends/swarm/names.js';
import { DockerEngine } from '../../../src/engine/docker-engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { LbDriver } from '../../../src/lb/driver.js';
import { LABEL, labelFilter, names } from '../../../src/model/naming.js';
import type { SvcResult } from '../../support/cli.js';
import { freePort } from '../../support/ports.js';

/** Laid out like the official Debian images (haproxy:lts): USER haproxy, no nc/wget/socat/busybox. */
export const LB_IMAGE_DEBIAN = 'svc-test/haproxy:debian';
export const HTTP_IMAGE = 'svc-test/http:local';
export const TCP_IMAGE = 'svc-test/tcp:local';
/** Listens at once, answers 503 for its first WARM_SECONDS (default 3); /healthz 200 once warm. */
export const WARMING_IMAGE = 'svc-test/warming:local';
/** The same with a Docker HEALTHCHECK (busybox wget of /, every second). */
export const WARMING_HEALTHCHECK_IMAGE = 'svc-test/warming:healthcheck';
/** An http app that ignores SIGTERM. */
export const STUBBORN_IMAGE = 'svc-test/stubborn:local';
export const TEST_IMAGES = [HTTP_IMAGE, TCP_IMAGE, WARMING_IMAGE, WARMING_HEALTHCHECK_IMAGE, STUBBORN_IMAGE];
/** Two http replicas checked every second: what most load tests create. */
export const TWO_HTTP_REPLICAS = ['--protocol', 'http', '--replicas', '2', '--health-check-interval', '1'];
const TEST_TENANT_PREFIX = '7e57';

export const run = promisify(execFile);

export function newTenant(): string {
  return TEST_TENANT_PREFIX + randomBytes(14).toString('hex');
}

export const engine: Engine = new DockerEngine();

/** What the load balancer says of each server, read as svc reads it (its log, through the driver). */
export async function lbServers(
  lbId: string,
): Promise<Array<{ server: string; status: string; check: string }>> {
  const view = await new LbDriver(engine).view(lbId);
  return [...view.servers].map(([server, v]) => ({ server, status: v.status, check: v.check }));
}

/** The tenant's Swarm services, configs, secrets and overlay network (when the engine is a manager). */
async function removeSwarmTenant(tenant: string): Promise<void> {
  const swarm = engine.swarm;
  if (!(await engine.info()).swarm?.manager) return;
  const filter = labelFilter(tenant);
  await Promise.all((await swarm.listServices(filter)).map((s) => swarm.removeService(s.id)));
  for (let attempt = 1; attempt <= 40; attempt++) {
    const [configs, secrets] = await Promise.all([swarm.listConfigs(filter), swarm.listSecrets(filter)]);
    const left = await Promise.allSettled([
      ...configs.map((c) => swarm.removeConfig(c.id)),
      ...secrets.map((c) => swarm.removeSecret(c.id)),
      engine.removeNetwork(swarmNames.network(tenant)),
    ]);
    if (left.every((r) => r.status === 'fulfilled')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** On the manager node of a swarm the tests made: a killed run's swarm is left by the next run. */
const TEST_SWARM_LABEL = 'io.svc.test-swarm';

/** `docker swarm init` with these arguments, the node labelled as the tests' own. */
export async function initTestSwarm(args: string[]): Promise<void> {
  await run('docker', ['swarm', 'init', ...args]);
  // `node update` takes no `self`, as `node inspect` does.
  const { stdout } = await run('docker', ['info', '--format', '{{.Swarm.NodeID}}']);
  await run('docker', ['node', 'update', '--label-add', `${TEST_SWARM_LABEL}=true`, stdout.trim()]);
}

/**
 * Make the engine the manager of a one-node swarm unless it is in one already; returns how to
 * leave it again (nothing to do when it was in one).
 */
export async function ensureSwarm(): Promise<() => Promise<void>> {
  if ((await engine.info()).swarm) return async () => undefined;
  await initTestSwarm(['--advertise-addr', '127.0.0.1']);
  return async () => {
    await run('docker', ['swarm', 'leave', '--force']);
  };
}

/**
 * Leave the swarm a killed run made (its manager node carries TEST_SWARM_LABEL): the swarm
 * tests would use it as if it were the user's, and the two-node test refuses to run in it. A
 * swarm of the user's own has no such label and is left alone.
 */
async function leaveTestSwarm(): Promise<void> {
  if (!(await engine.info()).swarm?.manager) return;
  const { stdout } = await run('docker', [
    'node',
    'inspect',
    'self',
    '--format',
    `{{index .Spec.Labels "${TEST_SWARM_LABEL}"}}`,
  ]);
  if (stdout.trim() === 'true') await run('docker', ['swarm', 'leave', '--force']);
}

/** Whether no container is attached to `network`, as `docker network inspect` says. */
async function attachedNone(network: string): Promise<boolean> {
  const { stdout } = await run('docker', ['network', 'inspect', network, '--format', '{{len .Containers}}']);
  return stdout.trim() === '0';
}

/** Everything of a test tenant: Swarm objects, containers, networks, volumes. */
export async function removeTenant(tenant: string): Promise<void> {
  const removeVolumes = async () => {
    const volumes = await engine.listVolumes(labelFilter(tenant));
    await Promise.all(volumes.map((v) => engine.removeVolume(v.name)));
  };
  await removeSwarmTenant(tenant);
  // A `docker run --rm` client on the network may still be going away: the engine removes it
  // after `docker run` returns, and until then the network has an active endpoint.
  for (let attempt = 1; ; attempt++) {
    const list = await engine.listContainers(labelFilter(tenant));
    await Promise.all(list.map((c) => engine.removeContainer(c.id)));
    try {
      await engine.removeNetwork(names.network(tenant));
      return await removeVolumes();
    } catch (err) {
      if (!/active endpoints/.test((err as Error).message)) throw err;
      if (attempt >= 20) {
        // No container on it any more, yet the engine counts an endpoint: a stale one that a swarm
        // leave (another suite's, at the same moment) left in its store, which only an engine
        // restart clears. The tenant is gone; its network stays (removeTestLeftovers tries again).
        if (await attachedNone(names.network(tenant))) {
          console.warn(`${names.network(tenant)} kept: the engine counts a stale endpoint on it`);
          return await removeVolumes();
        }
        throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Remove what test runs that ended (or crashed) left: test tenants whose containers are all
 * older than a few minutes, so a test run going on at the same moment is left alone.
 */
export async function removeTestLeftovers(e: Engine = engine): Promise<void> {
  const cutoff = Date.now() / 1000 - 10 * 60;
  const all = await e.listContainers([LABEL.managed]);
  const recent = new Set(all.filter((c) => c.created > cutoff).map((c) => c.labels[LABEL.tenant]));
  const tenants = new Set(
    all
      .map((c) => c.labels[LABEL.tenant] ?? '')
      .filter((t) => t.startsWith(TEST_TENANT_PREFIX) && !recent.has(t)),
  );
  await Promise.all([...tenants].map((t) => removeTenant(t)));
  await leaveTestSwarm();
  // Networks of test tenants with no containers left.
  const { stdout } = await run('docker', [
    'network',
    'ls',
    '--filter',
    `label=${LABEL.tenant}`,
    '--format',
    '{{.Name}}',
  ]);
  for (const name of stdout.split('\n').filter((n) => n.startsWith(`svc-${TEST_TENANT_PREFIX}`))) {
    await e.removeNetwork(name).catch(() => undefined);
  }
  // Volumes of test tenants made before the cutoff (one still in use is refused, and kept).
  for (const v of await e.listVolumes([LABEL.managed])) {
    const old = Date.parse(v.created) / 1000 < cutoff;
    if (old && (v.labels[LABEL.tenant] ?? '').startsWith(TEST_TENANT_PREFIX))
      await e.removeVolume(v.name).catch(() => undefined);
  }
}

/**
 * `svc create` argv for the usual test service: HTTP_IMAGE (or `image`, listening on 80), its
 * service port published on `fip`, `--wait`; `more` adds flags (protocol, replicas, certificate…).
 */
export function createArgs(
  name: string,
  port: number,
  fip: string,
  more: string[] = [],
  image = HTTP_IMAGE,
): string[] {
  return [
    'create',
    '--name',
    name,
    '--service-port',
    String(port),
    '--container-port',
    '80',
    '--fip',
    fip,
    '--wait',
    ...more,
    image,
  ];
}

/** `sv` (svc with a suite's tenant and environment) as a step that must succeed: exit 0, nothing on stderr. */
export function mustSucceed(
  sv: (args: string[]) => Promise<SvcResult>,
): (args: string[]) => Promise<SvcResult> {
  return async (args) => {
    const r = await sv(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r;
  };
}

/** A security group file `office` letting TCP in from `prefix` only. */
export function groupFile(tenant: string, prefix: string): string {
  const file = join(
    tmpdir(),
    `svc-sg-${tenant.slice(0, 8)}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}.yaml`,
  );
  writeFileSync(
    file,
    `name: office\nrules:\n  - direction: ingress\n    protocol: tcp\n    remote_ip_prefix: ${prefix}\n`,
  );
  return file;
}

/**
 * Create `guarded` behind security group `office` (open to all), then a live update to a group
 * 127.0.0.1 is not in closes it, and one back to all opens it. `ok` runs svc and expects success.
 */
export async function securityGroupClosesAndOpens(
  tenant: string,
  ok: (args: string[]) => Promise<unknown>,
  fip: string,
): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  await ok(['sg', 'create', '-f', groupFile(tenant, '0.0.0.0/0')]);
  await ok(createArgs('guarded', port, fip, ['--protocol', 'http', '--sg', 'office']));
  expect((await httpGetMany(url, 2)).failures).toEqual([]);
  await ok(['sg', 'update', '-f', groupFile(tenant, '10.99.0.0/16')]);
  expect((await httpGetMany(url, 2)).failures).toHaveLength(2);
  await ok(['sg', 'update', '-f', groupFile(tenant, '0.0.0.0/0')]);
  expect((await httpGetMany(url, 2)).failures).toEqual([]);
}

export { freePort };

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP GET on a fresh connection. */
export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((res, rej) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => {
        body += c;
      });
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms: GET ${url}`)));
    req.on('error', rej);
  });
}

/** `n` sequential GETs; the bodies (trimmed) in order, and how many failed. */
export async function httpGetMany(url: string, n: number): Promise<{ bodies: string[]; failures: string[] }> {
  const bodies: string[] = [];
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const a = await httpGet(url);
      if (a.status === 200) bodies.push(a.body.trim());
      else failures.push(`HTTP ${a.status}`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  return { bodies, failures };
}

export function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Open a TCP connection; resolves with the socket and the first line the server sends. */
export function tcpHello(port: number, host = '127.0.0.1'): Promise<{ socket: net.Socket; hello: string }> {
  return new Promise((res, rej) => {
    const socket = net.connect(port, host);
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      rej(new Error(`no greeting from ${host}:${port} within 5s`));
    }, 5000);
    socket.setEncoding('utf8');
    const onData = (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        socket.off('data', onData);
        res({ socket, hello: buf.slice(0, nl) });
      }
    };
    socket.on('data', onData);
    socket.on('error', (err) => {
      clearTimeout(timer);
      rej(err);
    });
  });
}

/** Poll `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastErr ? `: ${lastErr}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Short container IDs (what `hostname` answers in the test images) of a service's replicas. */
export async function replicaHostnames(tenant: string, service: string): Promise<Map<string, number>> {
  const list = await engine.listContainers(labelFilter(tenant, service, 'replica'));
  return new Map(list.map((c) => [c.id.slice(0, 12), Number(c.labels[LABEL.replica])]));
}
