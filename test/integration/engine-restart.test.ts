/**
 * An engine restart (a laptop's Docker restarting: SIGTERM to dockerd, then started again) with
 * services in each state: fresh, scaled (its load balancer reloaded), rolled, half-changed (a
 * rolling update SIGKILLed half-way), and one whose load balancer was made before svc gave it
 * the restart policy `always`. Every one must answer again by itself, with no svc command; the
 * last one is brought back by the next svc command; the half-changed one by the next change.
 * Runs on an engine the test starts itself (support/engine-node.ts), never on the engine
 * `npm test` runs against.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KILL_HOOK } from '../../src/core/test-hook.js';
import { LB_IMAGE, startSvc, svc } from '../support/cli.js';
import { type EngineNode, startEngineNode } from './support/engine-node.js';
import { HTTP_IMAGE, httpGetMany, mustSucceed, newTenant, waitFor } from './support/harness.js';

const tenant = newTenant();
/** The port each service listens on inside the engine (published on 127.0.0.1 outside). */
const PORTS = { fresh: 8081, scaled: 8082, rolled: 8083, half: 8084, old: 8085 };
let node: EngineNode;
const env = () => ({ DOCKER_HOST: node.dockerHost });
const sv = (args: string[]) => svc(args, { tenant, env: env() });
const ok = mustSucceed(sv);
const HTTP_V2 = 'svc-test/http:restart-v2';

const url = (name: keyof typeof PORTS) => `http://127.0.0.1:${node.hostPort.get(PORTS[name])}/`;
const create = (name: keyof typeof PORTS) =>
  ok([
    ...['create', '--name', name, '--service-port', String(PORTS[name]), '--container-port', '80'],
    ...['--fip', '0.0.0.0', '--protocol', 'http', '--replicas', '2', '--health-check-interval', '1'],
    ...['--wait', HTTP_IMAGE],
  ]);

async function status(name: string): Promise<{ Status: string; Message: string; Replicas: number }> {
  const [s] = JSON.parse((await ok(['inspect', name])).stdout);
  return s;
}

/** Seconds until `name` answers every one of a few requests again. */
async function answersAgain(name: keyof typeof PORTS, since: number): Promise<number> {
  await waitFor(`${name} to answer again`, 60_000, async () =>
    (await httpGetMany(url(name), 4)).failures.length === 0 ? true : undefined,
  );
  return (Date.now() - since) / 1000;
}

beforeAll(async () => {
  node = await startEngineNode(tenant.slice(0, 8), Object.values(PORTS), [HTTP_IMAGE, LB_IMAGE]);
  await node.docker(['tag', HTTP_IMAGE, HTTP_V2]);
}, 180_000);

afterAll(async () => {
  await node?.remove();
}, 60_000);

describe('an engine restart', () => {
  it('brings every service back by itself, whatever state the last command left it in', async () => {
    await create('fresh');
    await create('scaled');
    await ok(['scale', 'scaled=3']);
    await create('rolled');
    await ok(['rolling-update', '--image', HTTP_V2, 'rolled']);
    await create('half');
    // Killed once its first new replica took traffic: 2 old replicas and 1 new one serve.
    const killed = startSvc(['rolling-update', '--image', HTTP_V2, 'half'], {
      tenant,
      env: { ...env(), [KILL_HOOK]: '5' },
    });
    expect((await killed.ended).signal).toBe('SIGKILL');
    // A load balancer made before `always`: reloaded (signalled) with `unless-stopped`.
    await create('old');
    await node.docker(['update', '--restart', 'unless-stopped', `old-lb-${tenant.slice(0, 8)}`]);
    await node.docker(['kill', '-s', 'USR2', `old-lb-${tenant.slice(0, 8)}`]);
    expect((await status('half')).Status).toBe('updating');

    const restarted = Date.now();
    await node.restart();
    const back: string[] = [];
    for (const name of ['fresh', 'scaled', 'rolled', 'half'] as const) {
      back.push(`${name} ${(await answersAgain(name, restarted)).toFixed(1)}s`);
    }
    console.log(`engine restart: answering again after ${back.join(', ')} (no svc command)`);
    expect((await status('fresh')).Status).toBe('active');
    expect((await status('scaled')).Replicas).toBe(3);
    expect((await status('scaled')).Status).toBe('active');
    expect((await status('rolled')).Status).toBe('active');
    // What the killed command left is said, and served, until the next change repairs it.
    expect((await status('half')).Message).toMatch(/a rolling-update was interrupted .*repairs it/);
    // Left down by the engine (it thought the reload signal stopped it by hand), and said so.
    expect((await httpGetMany(url('old'), 1)).failures).toHaveLength(1);
    expect((await status('old')).Message).toMatch(/the load balancer is exited; the next change/);
  }, 240_000);

  it('the next svc command repairs what the restart could not: a load balancer left down, a half-done change', async () => {
    // The next command says what it repaired first (on stderr), then does its own change.
    const scaled = await sv(['scale', 'old=2']);
    expect([scaled.code, scaled.stderr]).toEqual([
      0,
      'note: old: repaired old first: its load balancer started again (it was exited)\n',
    ]);
    expect((await status('old')).Status).toBe('active');
    expect((await httpGetMany(url('old'), 4)).failures).toEqual([]);
    const policy = await node.docker([
      'inspect',
      '-f',
      '{{.HostConfig.RestartPolicy.Name}}',
      `old-lb-${tenant.slice(0, 8)}`,
    ]);
    expect(policy).toBe('always');

    const repaired = await sv(['scale', 'half=2']);
    expect(repaired.code).toBe(0);
    expect(repaired.stderr).toMatch(
      /repaired half first: undoing the rolling-update a killed command left half-done/,
    );
    const half = await status('half');
    expect([half.Status, half.Replicas]).toEqual(['active', 2]);
    const containers = await node.docker([
      'ps',
      '-a',
      '--filter',
      'label=io.svc.service=half',
      '--format',
      '{{.Names}}',
    ]);
    expect(containers.split('\n').filter(Boolean)).toHaveLength(4); // the load balancer, a record, 2 replicas

    // And a second restart changes nothing of that: all five answer again by themselves.
    const restarted = Date.now();
    await node.restart();
    for (const name of Object.keys(PORTS) as Array<keyof typeof PORTS>) await answersAgain(name, restarted);
  }, 240_000);
});
