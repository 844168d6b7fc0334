/**
 * Applications that listen before they are ready (svc-test/warming: GET / answers 503 for its
 * first WARM_SECONDS, /healthz 200 only once warm), on the real engine and HAProxy, under a
 * fresh-connection load: with HealthCheckPath, and with the image's Docker HEALTHCHECK, no client
 * gets a non-2xx once `create --wait` returned, nor while a scale or a rolling update runs; a
 * replica that never turns healthy fails the update and the old release serves on. Both load
 * balancer image layouts (Alpine-like and Debian-like) for the HTTP check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { LB_IMAGE, svc } from '../support/cli.js';
import {
  createArgs,
  engine,
  freePort,
  HTTP_IMAGE,
  LB_IMAGE_DEBIAN,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  STUBBORN_IMAGE,
  WARMING_HEALTHCHECK_IMAGE,
  WARMING_IMAGE,
} from './support/harness.js';
import { burst, freshLoad, warmingArgs } from './support/warming.js';

const tenant = newTenant();
const NEVER_HEALTHY = 'svc-test/warming:never-healthy';
/** Listens and answers 503 (and /healthz 404) for a day: its HTTP check never passes. */
const NEVER_READY = 'svc-test/warming:never-ready';
const HEALTHCHECK_V2 = 'svc-test/warming:healthcheck-v2';
const WARMING_V2 = 'svc-test/warming:v2';
/** Says why and exits 3 at once, each time the engine starts it again: an app missing its database. */
const EXITS = 'svc-test/http:exits';
beforeAll(async () => {
  const exits = `FROM ${HTTP_IMAGE}\nCMD ["/bin/sh", "-c", "echo starting; echo no database at db:5432 >&2; exit 3"]\n`;
  await run('sh', ['-c', `printf '%s' "$0" | DOCKER_BUILDKIT=0 docker build -q -t ${EXITS} -`, exits]);
  // The service's own Env sets WARM_SECONDS: the command sets it again, after.
  const dockerfile = `FROM ${WARMING_IMAGE}\nCMD ["/bin/sh", "-c", "WARM_SECONDS=86400 exec /bin/serve-warming"]\n`;
  await run('sh', [
    '-c',
    `printf '%s' "$0" | DOCKER_BUILDKIT=0 docker build -q -t ${NEVER_READY} -`,
    dockerfile,
  ]);
});
afterAll(async () => {
  await removeTenant(tenant);
  for (const image of [NEVER_HEALTHY, NEVER_READY, HEALTHCHECK_V2, EXITS])
    await run('docker', ['rmi', image]).catch(() => undefined);
});

async function replicaDetail(name: string, env: NodeJS.ProcessEnv) {
  const r = await svc(['inspect', name], { tenant, env });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout)[0].ReplicaDetail as Array<{
    Number: number;
    LB: string;
    Check: string;
    CheckCode: number | null;
    Health: string | null;
  }>;
}

describe.each([
  ['Alpine-like', LB_IMAGE],
  ['Debian-like', LB_IMAGE_DEBIAN],
])('HealthCheckPath with a warming app (%s load balancer image)', (layout, lbImage) => {
  const env = { SVC_LB_IMAGE: lbImage };
  const sv = mustSucceed((args) => svc(args, { tenant, env }));
  const name = `warm-${layout.slice(0, 6).toLowerCase()}`;
  let port: number;

  it('create --wait returns once the app answers: then no client gets a non-2xx', async () => {
    port = await freePort();
    const created = await sv(
      warmingArgs(name, port, '127.0.0.1', WARMING_IMAGE, ['--health-check-path', '/healthz']),
    );
    expect(JSON.parse(created.stdout)).toMatchObject({ HealthCheckPath: '/healthz', StopTimeout: 10 });
    const after = await burst(port);
    console.log(
      `${layout}: after create --wait, ${after.requests} requests, ${after.failures.length} failed`,
    );
    expect(after.failures).toEqual([]);
    expect(after.ok).toBeGreaterThan(20);
    expect((await replicaDetail(name, env)).map((r) => [r.LB, r.Check, r.CheckCode, r.Health])).toEqual([
      ['UP', 'L7OK', 200, null],
      ['UP', 'L7OK', 200, null],
    ]);
  });

  it('scale 2 → 4 under load: the new replicas take requests only once warm', async () => {
    const load = freshLoad(port);
    await sv(['scale', `${name}=4`]);
    const result = await load.stop();
    console.log(
      `${layout}: scale 2→4 under load, ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    const detail = await replicaDetail(name, env);
    expect(detail.map((r) => [r.Number, r.LB, r.CheckCode])).toEqual([
      [1, 'UP', 200],
      [2, 'UP', 200],
      [3, 'UP', 200],
      [4, 'UP', 200],
    ]);
    const after = await burst(port, 1000);
    expect(after.failures).toEqual([]);
    // The new replicas answer too.
    expect(after.bodies.size).toBe(4);
  });

  // One at a time on one layout, two at a time on the other.
  const parallelism = lbImage === LB_IMAGE ? '1' : '2';
  it(`rolling update of 4 under load (--parallelism ${parallelism}): each new replica joins once warm`, async () => {
    await run('docker', ['tag', WARMING_IMAGE, WARMING_V2]);
    const load = freshLoad(port);
    await sv(['rolling-update', '--image', WARMING_V2, '--parallelism', parallelism, name]);
    const result = await load.stop();
    console.log(
      `${layout}: rolling update of 4 under load (parallelism ${parallelism}), ${result.requests} requests, ${result.failures.length} failed, ${result.durationMs} ms`,
    );
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(50);
    const replicas = await engine.listContainers(labelFilter(tenant, name, 'replica'));
    expect(replicas.map((c) => c.labels[LABEL.image])).toEqual([
      WARMING_V2,
      WARMING_V2,
      WARMING_V2,
      WARMING_V2,
    ]);
  });

  it('a replica whose check never passes fails the rolling update; the old release serves on', async () => {
    const before = (await engine.listContainers(labelFilter(tenant, name, 'replica')))
      .map((c) => c.id)
      .sort();
    const load = freshLoad(port);
    const r = await svc(['rolling-update', '--image', NEVER_READY, '--timeout', '4s', name], { tenant, env });
    const during = await load.stop();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not become healthy \(image svc-test\/warming:never-ready\)/);
    expect(r.stderr).toMatch(/everything it had changed was undone/);
    expect(during.failures).toEqual([]);
    expect(
      (await engine.listContainers(labelFilter(tenant, name, 'replica'))).map((c) => c.id).sort(),
    ).toEqual(before);
    expect((await burst(port, 500)).failures).toEqual([]);
  });
});

describe("the image's HEALTHCHECK gates a replica's entry into rotation", () => {
  const sv = mustSucceed((args) => svc(args, { tenant }));
  let port: number;

  it('create --wait waits for Docker to say healthy: then no client gets a non-2xx (TCP checks)', async () => {
    port = await freePort();
    // Warm after 4 s: longer than the load balancer's own (TCP) checks take to pass.
    await sv(warmingArgs('gated', port, '127.0.0.1', WARMING_HEALTHCHECK_IMAGE, [], 4));
    const after = await burst(port);
    console.log(
      `HEALTHCHECK: after create --wait, ${after.requests} requests, ${after.failures.length} failed`,
    );
    expect(after.failures).toEqual([]);
    expect(after.ok).toBeGreaterThan(20);
    expect((await replicaDetail('gated', {})).map((r) => [r.LB, r.Check, r.Health])).toEqual([
      ['UP', 'L4OK', 'healthy'],
      ['UP', 'L4OK', 'healthy'],
    ]);
  });

  it('scale 2 → 3 under load (TCP checks): the new replica joins once healthy, no non-2xx', async () => {
    const load = freshLoad(port);
    await sv(['scale', 'gated=3']);
    const result = await load.stop();
    console.log(
      `HEALTHCHECK: scale 2→3 under load, ${result.requests} requests, ${result.failures.length} failed`,
    );
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    expect((await replicaDetail('gated', {})).map((r) => [r.LB, r.Health])).toEqual([
      ['UP', 'healthy'],
      ['UP', 'healthy'],
      ['UP', 'healthy'],
    ]);
    await sv(['scale', 'gated=2']);
  });

  it('rolling update under load (TCP checks): each new replica joins once healthy, no non-2xx', async () => {
    await run('docker', ['tag', WARMING_HEALTHCHECK_IMAGE, HEALTHCHECK_V2]);
    const load = freshLoad(port);
    await sv(['rolling-update', '--image', HEALTHCHECK_V2, 'gated']);
    const result = await load.stop();
    console.log(
      `HEALTHCHECK: rolling update of 2 under load, ${result.requests} requests, ${result.failures.length} failed, ${result.durationMs} ms`,
    );
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(50);
    const replicas = await engine.listContainers(labelFilter(tenant, 'gated', 'replica'));
    expect(replicas.map((c) => c.labels[LABEL.image])).toEqual([HEALTHCHECK_V2, HEALTHCHECK_V2]);
  });

  it('a replica that turns unhealthy fails the update at once; the old release serves on', async () => {
    // Its check asks for what it never has (the service's own Env sets the warm-up): unhealthy
    // at the first failed check.
    const dockerfile = `FROM ${WARMING_HEALTHCHECK_IMAGE}\nHEALTHCHECK --interval=1s --timeout=1s --start-period=1s --retries=1 CMD wget -q -O /dev/null http://127.0.0.1/never || exit 1\n`;
    await run('sh', [
      '-c',
      `printf '%s' "$0" | DOCKER_BUILDKIT=0 docker build -q -t ${NEVER_HEALTHY} -`,
      dockerfile,
    ]);
    const before = (await engine.listContainers(labelFilter(tenant, 'gated', 'replica')))
      .map((c) => c.id)
      .sort();
    const load = freshLoad(port);
    const r = await svc(['rolling-update', '--image', NEVER_HEALTHY, 'gated'], { tenant });
    const during = await load.stop();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /is unhealthy by its health check \(HEALTHCHECK of svc-test\/warming:never-healthy\)/,
    );
    expect(r.stderr).toMatch(/everything it had changed was undone/);
    expect(during.failures).toEqual([]);
    const after = (await engine.listContainers(labelFilter(tenant, 'gated', 'replica')))
      .map((c) => c.id)
      .sort();
    expect(after).toEqual(before);
    expect((await burst(port, 500)).failures).toEqual([]);
  });
});

describe('a replica that exits before it is ready fails create --wait at once, saying why', () => {
  // --timeout 5m: only the exit can end the wait early, and only it names the exit code and output.
  // (A rolling update to a release that exits: scale.test.ts.)
  const why = /exited with code 3 before it was ready; its last output: "[^"]*no database at db:5432/;

  it('create --wait: exit 1 with the exit code and the last output; the service is left as it is', async () => {
    const port = await freePort();
    const r = await svc(createArgs('exits', port, '127.0.0.1', ['--timeout', '5m'], EXITS), { tenant });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toMatch(/^Error: exits-[12]-\w+ exited/);
    expect(r.stderr).toMatch(/the service was created and is left as it is; remove it with: svc rm exits/);
    const rm = await svc(['rm', 'exits'], { tenant });
    expect(rm.code).toBe(0);
  });
});

describe('refused and kept fields', () => {
  it('a tcp service refuses --health-check-path (exit 2, naming the field), and nothing is created', async () => {
    const port = await freePort();
    const r = await svc(
      [
        'create',
        '--name',
        'plain',
        '--service-port',
        String(port),
        '--health-check-path',
        '/healthz',
        WARMING_IMAGE,
      ],
      { tenant },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--health-check-path: HealthCheckPath is only for Protocol http or httpsTerm \(Protocol is tcp/,
    );
    expect(await engine.listContainers(labelFilter(tenant, 'plain'))).toEqual([]);
  });

  it("StopTimeout is the replicas' own (docker stop's default) and their grace when they leave", async () => {
    const port = await freePort();
    const sv = mustSucceed((args) => svc(args, { tenant }));
    const created = await sv([
      'create',
      '--name',
      'stubborn',
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--replicas',
      '2',
      '--stop-timeout',
      '1',
      '--wait',
      STUBBORN_IMAGE,
    ]);
    expect(JSON.parse(created.stdout).StopTimeout).toBe(1);
    const ids = JSON.parse(created.stdout).Containers as string[];
    const { stdout } = await run('docker', ['inspect', '-f', '{{.Config.StopTimeout}}', ...ids]);
    expect(stdout.trim().split('\n')).toEqual(['1', '1']);
    // The replica that leaves ignores SIGTERM: it gets its 1 s, then SIGKILL; then it is removed.
    const plan = await sv(['scale', 'stubborn=1', '--dry-run']);
    expect(plan.stdout).toMatch(/stop stubborn-2-\w+ \(grace 1s\)/);
    await sv(['scale', 'stubborn=1']);
    const left = await engine.listContainers(labelFilter(tenant, 'stubborn', 'replica'));
    expect(left.map((c) => c.id)).toEqual([ids[0]]);
  });

  it('a rolling update waits 1 s at most for signalled old replicas that ignore SIGTERM (so does the next change); the engine kills them after StopTimeout, a later change removes them', async () => {
    const port = await freePort();
    const sv = mustSucceed((args) => svc(args, { tenant }));
    const next = 'svc-test/stubborn:slowstop-v2';
    await run('docker', ['tag', STUBBORN_IMAGE, next]);
    const created = await sv([
      'create',
      '--name',
      'slowstop',
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--replicas',
      '2',
      '--stop-timeout',
      '8',
      '--wait',
      STUBBORN_IMAGE,
    ]);
    const old = JSON.parse(created.stdout).Containers as string[];
    const r = await svc(['rolling-update', '--image', next, 'slowstop'], { tenant });
    expect(r.code).toBe(0);
    // Still stopping when the command returned: said, and left to the engine.
    expect(r.stderr).toMatch(
      /slowstop-[12]-\w+ \(still running 1s after its stop signal; the engine stops it \(SIGKILL after its 8s StopTimeout\)/,
    );
    const replicas = () => engine.listContainers(labelFilter(tenant, 'slowstop', 'replica'));
    expect((await replicas()).filter((c) => old.includes(c.id)).length).toBeGreaterThan(0);
    // Never `active` with more containers than replicas: the ones still stopping are named, and
    // the next change is said to remove them.
    const [shown] = JSON.parse((await sv(['inspect', 'slowstop'])).stdout);
    expect(shown.Status).toBe('updating');
    expect(shown.Message).toMatch(/left: slowstop-[12]-\w+ \(running\)/);
    expect(shown.Message).toMatch(/next change of the service/);
    // The next change, while they still have most of their 8 s: its repair gives them 1 s again
    // after signalling them, and goes on (said), instead of waiting out their grace.
    const early = await svc(['scale', 'slowstop=2'], { tenant });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).toMatch(/repaired slowstop first/);
    expect(early.stderr).toMatch(/slowstop-[12]-\w+ \(still running 1s after its stop signal/);
    // The engine kills them (SIGKILL after 8 s); the next change of the service removes them.
    for (let i = 0; i < 80; i++) {
      const left = (await replicas()).filter((c) => old.includes(c.id));
      if (left.every((c) => c.state === 'exited')) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    const scaled = await svc(['scale', 'slowstop=2'], { tenant });
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(scaled.stderr).toMatch(/repaired slowstop first/);
    const after = await replicas();
    expect(after.filter((c) => old.includes(c.id))).toEqual([]);
    expect(after.map((c) => c.labels[LABEL.image])).toEqual([next, next]);
    await run('docker', ['rmi', next]).catch(() => undefined);
  });
});
