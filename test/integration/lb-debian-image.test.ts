/**
 * The whole lifecycle on a load balancer image laid out like the official Debian haproxy images
 * (haproxy:lts, haproxy:3.x): USER haproxy, a root-owned config directory, dash and coreutils
 * and no nc, socat, wget, curl or busybox. svc may use nothing in it but the haproxy binary:
 * create --wait, scale up and down under load, rolling-update, update-cert, a live security
 * group update, attach-fip, and inspect with the load balancer's view. Then an image that breaks
 * the contract fails at once, saying why, and leaves nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { svc } from '../support/cli.js';
import {
  createArgs,
  engine,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  LB_IMAGE_DEBIAN,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  securityGroupClosesAndOpens,
  TWO_HTTP_REPLICAS,
} from './support/harness.js';
import { startLoad } from './support/load.js';

const tenant = newTenant();
const V2 = 'svc-test/http:debian-v2';
const env = { SVC_LB_IMAGE: LB_IMAGE_DEBIAN };
const sv = (args: string[]) => svc(args, { tenant, env });
let certs: TestCerts;

beforeAll(() => {
  certs = makeCerts();
});
afterAll(async () => {
  await removeTenant(tenant);
  certs?.cleanup();
  await run('docker', ['rmi', V2]).catch(() => undefined);
});

const ok = mustSucceed(sv);

function peerCN(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'svc.test' },
      () => {
        const cn = s.getPeerCertificate().subject?.CN;
        s.end();
        resolve(String(cn));
      },
    );
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('TLS timeout')));
  });
}

describe('the Debian-like official layout', () => {
  let port: number;

  it('is what the image is: runs as haproxy, no client programs', async () => {
    const id = await engine.createContainer({
      name: `probe-${tenant.slice(0, 8)}`,
      image: LB_IMAGE_DEBIAN,
      labels: { 'io.svc.managed': '1', 'io.svc.tenant': tenant },
      network: 'none',
      entrypoint: ['sleep'],
      cmd: ['60'],
    });
    await engine.startContainer(id);
    const r = await engine.exec(id, [
      'sh',
      '-c',
      'id -u; for t in nc socat wget curl busybox; do command -v $t; done; ls -ld /usr/local/etc/haproxy',
    ]);
    await engine.removeContainer(id);
    expect(r.stdout).toMatch(/^99\n.*root root/s);
    expect(r.stdout).not.toMatch(/\/(nc|socat|wget|curl|busybox)\n/);
  });

  it('create --wait, and inspect shows the load balancer’s view', async () => {
    port = await freePort();
    await ok(createArgs('deb', port, '127.0.0.1', TWO_HTTP_REPLICAS));
    const [svcJson] = JSON.parse((await ok(['inspect', 'deb'])).stdout);
    expect(svcJson.Status).toBe('active');
    expect(svcJson.ReplicaDetail.map((r: { LB: string; Check: string }) => [r.LB, r.Check])).toEqual([
      ['UP', 'L4OK'],
      ['UP', 'L4OK'],
    ]);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
  });

  it('scales up and down under load with no request lost', async () => {
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 90_000 });
    await ok(['scale', 'deb=4']);
    await ok(['scale', 'deb=1']);
    const result = await load.stop();
    console.log(
      `debian image: scale 2→4→1 under load: ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(50);
    const [s] = JSON.parse((await ok(['inspect', 'deb'])).stdout);
    expect(s.ReplicaDetail).toHaveLength(1);
  });

  it('rolling-update under load with no request lost', async () => {
    await ok(['scale', 'deb=2']);
    await run('docker', ['tag', HTTP_IMAGE, V2]);
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 90_000 });
    await ok(['rolling-update', '--image', V2, 'deb']);
    const result = await load.stop();
    console.log(
      `debian image: rolling update under load: ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(result.failures).toEqual([]);
    const [s] = JSON.parse((await ok(['inspect', 'deb'])).stdout);
    expect(s.ReplicaDetail.map((r: { Image: string; LB: string }) => [r.Image, r.LB])).toEqual([
      [V2, 'UP'],
      [V2, 'UP'],
    ]);
  });

  it('attach-fip and detach-fip replace the load balancer', async () => {
    await ok(['detach-fip', 'deb']);
    const other = await freePort();
    port = other;
    await ok(['attach-fip', '--fip', '127.0.0.1', 'deb']);
    const [s] = JSON.parse((await ok(['inspect', 'deb'])).stdout);
    expect(s.FIP).toBe('127.0.0.1');
    expect((await httpGetMany(`http://127.0.0.1:${s.ServicePort}/`, 4)).failures).toEqual([]);
  });
});

describe('update-cert and security groups on the Debian-like layout', () => {
  let port: number;

  it('update-cert swaps the certificate hitlessly', async () => {
    port = await freePort();
    await ok(
      createArgs('tls', port, '127.0.0.1', ['--protocol', 'httpsTerm', '--ssl-cert', certs.leaf.pemFile]),
    );
    expect(await peerCN(port)).toBe('svc.test');
    await ok(['update-cert', '--ssl-cert', certs.renewed.pemFile, 'tls']);
    expect(await peerCN(port)).toBe('svc-renewed.test');
  });

  it('a live security group update closes and opens the service', () =>
    securityGroupClosesAndOpens(tenant, ok, '127.0.0.1'));
});

describe('an image that breaks the contract', () => {
  const NO_HAPROXY = 'svc-test/no-haproxy:local';
  beforeAll(async () => {
    // The config directory, but no haproxy binary.
    const dir = mkdtempSync(join(tmpdir(), 'svc-nohaproxy-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${HTTP_IMAGE}\nRUN mkdir -p /usr/local/etc/haproxy\n`);
    await run('docker', ['build', '-q', '-t', NO_HAPROXY, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  });
  afterAll(async () => {
    await run('docker', ['rmi', NO_HAPROXY]).catch(() => undefined);
  });

  it.each([
    ['no /usr/local/etc/haproxy', HTTP_IMAGE, /has no \/usr\/local\/etc\/haproxy/],
    ['no haproxy binary', NO_HAPROXY, /cannot start: .*"haproxy": executable file not found/],
  ])(
    '%s: fails at once (exit 2) with the cause and the contract, and leaves nothing',
    async (_why, image, cause) => {
      const started = Date.now();
      const r = await svc(
        ['create', '--name', 'nolb', '--service-port', '80', '--lb-image', image, HTTP_IMAGE],
        { tenant },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(cause);
      expect(r.stderr).toMatch(
        /must provide the haproxy binary \(2\.6 or newer\) on its PATH and the directory \/usr\/local\/etc\/haproxy/,
      );
      expect(r.stderr).toMatch(/everything it had changed was undone/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await engine.listContainers(labelFilter(tenant, 'nolb'))).toEqual([]);
    },
  );
});
