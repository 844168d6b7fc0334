/**
 * svc against an engine it reaches over TCP only (DOCKER_HOST=tcp://…), as a remote engine:
 * no host path, no host-to-container network, Engine API calls alone. The engine is the tests'
 * own, reached through a TCP front the test starts on a free loopback port (support/tcp-front.ts),
 * so it needs no TCP listener of dockerd's; SVC_TEST_TCP_ENGINE names another tcp:// endpoint of
 * it instead. Not reachable is a failure, never a skip.
 */
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/engine/docker-engine.js';
import { dockerodeFor } from '../../src/engine/dockerode-client.js';
import { currentEndpoint } from '../../src/engine/endpoint.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { svc } from '../support/cli.js';
import {
  createArgs,
  freePort,
  HTTP_IMAGE,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
} from './support/harness.js';
import { startTcpFront, type TcpFront } from './support/tcp-front.js';

const tenant = newTenant();
const env = { DOCKER_HOST: '' };
const sv = (args: string[]) => svc(args, { tenant, env });
const V2 = 'svc-test/http:remote-v2';
let certs: TestCerts;
let front: TcpFront | undefined;

beforeAll(async () => {
  const given = process.env.SVC_TEST_TCP_ENGINE;
  if (given) env.DOCKER_HOST = given;
  else {
    front = await startTcpFront();
    env.DOCKER_HOST = front.url;
  }
  const remote = new DockerEngine(dockerodeFor(currentEndpoint(env)), env.DOCKER_HOST);
  try {
    await remote.ping();
  } catch (err) {
    throw new Error(`no Docker engine answers on ${env.DOCKER_HOST} (${(err as Error).message})`);
  }
  certs = makeCerts();
  await run('docker', ['tag', HTTP_IMAGE, V2]);
});
afterAll(async () => {
  await removeTenant(tenant);
  await front?.close();
  certs?.cleanup();
  await run('docker', ['rmi', V2]).catch(() => undefined);
});

const ok = mustSucceed(sv);

describe('over tcp://, as a remote engine', () => {
  let port: number;

  it('create --wait', async () => {
    port = await freePort();
    await ok(
      createArgs('far', port, '127.0.0.1', [
        '--protocol',
        'httpsTerm',
        '--ssl-cert',
        certs.leaf.pemFile,
        '--replicas',
        '2',
      ]),
    );
    const [s] = JSON.parse((await ok(['inspect', 'far'])).stdout);
    expect(s.ReplicaDetail.map((r: { LB: string }) => r.LB)).toEqual(['UP', 'UP']);
  });

  it('scale', async () => {
    await ok(['scale', 'far=3']);
    await ok(['scale', 'far=1']);
    const [s] = JSON.parse((await ok(['inspect', 'far'])).stdout);
    expect([s.Replicas, s.Status, s.ReplicaDetail.length]).toEqual([1, 'active', 1]);
  });

  it('rolling-update', async () => {
    await ok(['rolling-update', '--image', V2, 'far']);
    const [s] = JSON.parse((await ok(['inspect', 'far'])).stdout);
    expect(s.ReplicaDetail.map((r: { Image: string; LB: string }) => [r.Image, r.LB])).toEqual([[V2, 'UP']]);
  });

  it('update-cert', async () => {
    await ok(['update-cert', '--ssl-cert', certs.renewed.pemFile, 'far']);
    const [s] = JSON.parse((await ok(['inspect', 'far'])).stdout);
    expect(s.SSLCert).toMatch(/svc-renewed\.test/);
    const cn = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'svc.test' }, () => {
        resolve(String(c.getPeerCertificate().subject?.CN));
        c.end();
      });
      c.on('error', reject);
      c.setTimeout(5000, () => c.destroy(new Error('TLS timeout')));
    });
    expect(cn).toBe('svc-renewed.test');
  });
});
