/**
 * docker-compose with a hand-written HAProxy in front as a contender: the same test image and
 * replica count, `up -d --scale`, and a `server-template` config resolving the replicas by DNS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, HTTP_IMAGE, LB_IMAGE, now, pollDistinct, sh, TAG } from './run.js';
import type { Ready } from './svc.js';

const HAPROXY_CFG = (n: number): string =>
  [
    'global',
    '  maxconn 4096',
    'resolvers docker',
    '  nameserver dns 127.0.0.11:53',
    '  accepted_payload_size 8192',
    '  hold valid 1s',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 1m',
    '  timeout server 1m',
    'frontend fe',
    '  bind :80',
    '  default_backend web',
    'backend web',
    '  balance roundrobin',
    `  server-template web ${n} web:80 check inter 1s resolvers docker init-addr none`,
    '',
  ].join('\n');

const COMPOSE_FILE = (port: number): string =>
  [
    "version: '2.4'",
    'services:',
    '  web:',
    `    image: ${HTTP_IMAGE}`,
    '  lb:',
    `    image: ${LB_IMAGE}`,
    '    ports:',
    `      - '127.0.0.1:${port}:80'`,
    '    volumes:',
    '      - ./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro',
    '',
  ].join('\n');

/** A compose project directory for n replicas behind HAProxy on 127.0.0.1:port. */
function composeProject(n: number, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'svc-bench-compose-'));
  writeFileSync(join(dir, 'haproxy.cfg'), HAPROXY_CFG(n));
  writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE_FILE(port));
  return dir;
}

/** `docker-compose up -d --scale web=n`, then every replica seen through its HAProxy; down after. */
export async function composeReady(n: number): Promise<Ready> {
  const port = await freePort();
  const dir = composeProject(n, port);
  const base = ['-p', `svcbench${TAG}${n}`, '-f', join(dir, 'docker-compose.yml')];
  const t0 = now();
  const r = await sh('docker-compose', [...base, 'up', '-d', '--scale', `web=${n}`], { timeoutMs: 300_000 });
  const tCmd = now();
  const tSeen =
    r.code === 0
      ? await pollDistinct(async () => [`http://127.0.0.1:${port}/`], n, now() + 120_000)
      : undefined;
  await sh('docker-compose', [...base, 'down', '-t', '5', '--remove-orphans'], { timeoutMs: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`docker-compose up failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`compose: not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}
