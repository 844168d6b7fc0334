/**
 * Readiness on a one-node swarm (initialised here when the engine is in none, left at the end):
 * apps that listen before they are ready (svc-test/warming: GET / answers 503 for WARM_SECONDS
 * after each start), under a fresh-connection load, through create --wait, scale and a rolling
 * update: with HealthCheckPath, and with the image's Docker HEALTHCHECK (which Swarm itself
 * honours: a task enters the service's DNS, so a load balancer slot, only once healthy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { LB_IMAGE, svc } from '../support/cli.js';
import {
  createArgs,
  engine,
  ensureSwarm,
  freePort,
  HTTP_IMAGE,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  WARMING_HEALTHCHECK_IMAGE,
  WARMING_IMAGE,
} from './support/harness.js';
import { burst, freshLoad, warmingArgs } from './support/warming.js';

const tenant = newTenant();
const env = { SVC_BACKEND: 'swarm', SVC_LB_IMAGE: LB_IMAGE };
const sv = mustSucceed((args) => svc(args, { tenant, env }));
const WARMING_V2 = 'svc-test/warming:swarm-v2';
const HEALTHCHECK_V2 = 'svc-test/warming:swarm-healthcheck-v2';
/** Listen and answer 503 (and /healthz 404) for a day: their checks never pass. */
const NEVER_READY = 'svc-test/warming:swarm-never-ready';
const NEVER_HEALTHY = 'svc-test/warming:swarm-never-healthy';
/** Says why and exits 3 at once, in every task Swarm starts: an app missing its database. */
const EXITS = 'svc-test/http:swarm-exits-why';
let leaveSwarm: () => Promise<void>;

beforeAll(async () => {
  leaveSwarm = await ensureSwarm();
  await run('docker', ['tag', WARMING_IMAGE, WARMING_V2]);
  await run('docker', ['tag', WARMING_HEALTHCHECK_IMAGE, HEALTHCHECK_V2]);
  // The service's own Env sets WARM_SECONDS: the command sets it again, after.
  const cmd = 'CMD ["/bin/sh", "-c", "WARM_SECONDS=86400 exec /bin/serve-warming"]';
  for (const [tag, from, command] of [
    [NEVER_READY, WARMING_IMAGE, cmd],
    [NEVER_HEALTHY, WARMING_HEALTHCHECK_IMAGE, cmd],
    [EXITS, HTTP_IMAGE, 'CMD ["/bin/sh", "-c", "echo starting; echo no database at db:5432 >&2; exit 3"]'],
  ] as const)
    await run('sh', [
      '-c',
      `printf '%s' "$0" | DOCKER_BUILDKIT=0 docker build -q -t ${tag} -`,
      `FROM ${from}\n${command}\n`,
    ]);
}, 120_000);

afterAll(async () => {
  await removeTenant(tenant);
  for (const image of [WARMING_V2, HEALTHCHECK_V2, NEVER_READY, NEVER_HEALTHY, EXITS])
    await run('docker', ['rmi', image]).catch(() => undefined);
  await leaveSwarm();
}, 120_000);

async function underLoad(port: number, what: string, args: string[]) {
  const load = freshLoad(port);
  await sv(args);
  const result = await load.stop();
  console.log(`swarm ${what}: ${result.requests} requests, ${result.failures.length} failed`);
  return result;
}

const images = async (name: string) =>
  (await engine.listContainers(labelFilter(tenant, name, 'replica')))
    .filter((c) => c.state === 'running')
    .map((c) => c.labels[LABEL.image]);

describe.each([
  [
    'HealthCheckPath',
    'swarm-path',
    WARMING_IMAGE,
    WARMING_V2,
    NEVER_READY,
    ['--health-check-path', '/healthz'],
  ],
  ['the image HEALTHCHECK', 'swarm-gated', WARMING_HEALTHCHECK_IMAGE, HEALTHCHECK_V2, NEVER_HEALTHY, []],
])('on Swarm, readiness by %s', (_, name, image, next, never, more) => {
  let port: number;

  it('create --wait returns once the app answers: then no client gets a non-2xx', async () => {
    port = await freePort();
    await sv(warmingArgs(name, port, '0.0.0.0', image, more));
    const after = await burst(port);
    console.log(
      `swarm ${name}: after create --wait, ${after.requests} requests, ${after.failures.length} failed`,
    );
    expect(after.failures).toEqual([]);
    expect(after.ok).toBeGreaterThan(20);
  });

  it('scale 2 → 4 under load: no non-2xx', async () => {
    const result = await underLoad(port, `${name} scale 2→4`, ['scale', `${name}=4`]);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    expect((await burst(port, 1000)).bodies.size).toBe(4);
  });

  it('a rolling update under load: no non-2xx', async () => {
    const result = await underLoad(port, `${name} rolling update of 4`, [
      'rolling-update',
      '--image',
      next,
      name,
    ]);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(50);
    expect(await images(name)).toEqual([next, next, next, next]);
  });

  it('a release whose check never passes fails the rolling update; undone, the old release serves on', async () => {
    const load = freshLoad(port);
    const r = await svc(['rolling-update', '--image', never, '--timeout', '3s', name], {
      tenant,
      env,
    });
    const during = await load.stop();
    console.log(
      `swarm ${name} never-ready update: ${during.requests} requests, ${during.failures.length} failed`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/everything it had changed was undone/);
    expect(during.failures).toEqual([]);
    expect(await images(name)).toEqual([next, next, next, next]);
    expect((await burst(port, 500)).failures).toEqual([]);
  }, 120_000);
});

describe('on Swarm, a replica that exits before it is ready fails create --wait at once, saying why', () => {
  // --timeout 5m: only the exit can end the wait early, and only it names Swarm's words and the output.
  // (A rolling update to a release that exits: swarm.test.ts.)
  const output = /its last output: "[^"]*no database at db:5432/;

  it('create --wait: exit 1 with the exit and the last output; the service is left as it is', async () => {
    const port = await freePort();
    const r = await svc(createArgs('sw-exits', port, '0.0.0.0', ['--timeout', '5m'], EXITS), { tenant, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: replica [12] of sw-exits \(task \w+\) exited before it was ready \(Swarm: task: non-zero exit \(3\)\)/,
    );
    expect(r.stderr).toMatch(output);
    expect(r.stderr).toMatch(/the service was created and is left as it is; remove it with: svc rm sw-exits/);
    await sv(['rm', 'sw-exits']);
  }, 120_000);
});
