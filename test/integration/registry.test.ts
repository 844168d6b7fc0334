/**
 * Private registries, for real: a docker-registry with an htpasswd login (support/registry.ts),
 * images pushed with `docker login`/`docker push` and then removed from the engine, so that every
 * create, scale and rolling-update here must pull them with the user's login: on the local engine
 * and on a one-node swarm (whose tasks pull with the login svc hands the swarm, by the digest svc
 * pinned). A credential helper, ~/.docker and DOCKER_CONFIG; no login, a wrong password and a
 * missing repository refused before anything is made; the password in nothing svc prints or
 * labels.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningImage } from '../../src/backends/swarm/plans.js';
import { labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  createArgs,
  engine,
  ensureSwarm,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  run,
  TWO_HTTP_REPLICAS,
} from './support/harness.js';
import { dockerConfig, startRegistry, type TestRegistry } from './support/registry.js';

const tenant = newTenant();
const V2_LOCAL = `svc-test/http:registry-v2-${tenant.slice(0, 8)}`;
let reg: TestRegistry;
let v1: { ref: string; digest: string };
let v2: { ref: string; digest: string };
/** Everything svc printed in this file: the password must be in none of it. */
const printed: string[] = [];

/** svc with the registry's login in DOCKER_CONFIG (unless `env` says otherwise). */
async function sv(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await svc(args, { tenant, env: { DOCKER_CONFIG: reg.loggedIn, ...env } });
  printed.push(r.stdout, r.stderr);
  return r;
}

async function ok(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await sv(args, env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

/** The usual test service's create argv, with `image` in place of the test image. */
const createOf = (name: string, port: number, fip: string, image: string, more: string[] = []) => [
  ...createArgs(name, port, fip, more).slice(0, -1),
  image,
];

/** A one-replica create that only has to get its image (no --wait). */
const quickCreate = (name: string, image: string) => [
  'create',
  '--name',
  name,
  '--service-port',
  '80',
  '--replicas',
  '1',
  image,
];

async function imageColumn(name: string): Promise<string | undefined> {
  const lines = (await ok(['ls'])).stdout.split('\n');
  return lines.find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/)[1];
}

beforeAll(async () => {
  reg = await startRegistry();
  const dir = join(reg.dir, 'v2');
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${HTTP_IMAGE}\nLABEL io.svc.test=registry-v2\n`);
  await run('docker', ['build', '-q', '-t', V2_LOCAL, dir], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  [v1, v2] = (await reg.push([
    [HTTP_IMAGE, 'acc/private:1'],
    [V2_LOCAL, 'acc/private:2'],
  ])) as [typeof v1, typeof v2];
}, 120_000);

afterAll(async () => {
  await removeTenant(tenant);
  await reg?.forget([v1?.ref, v2?.ref].filter(Boolean));
  await run('docker', ['rmi', '-f', V2_LOCAL]).catch(() => undefined);
  await reg?.stop();
}, 120_000);

/** Nothing of service `name` exists. */
async function nothingOf(name: string): Promise<void> {
  expect(await engine.listContainers(labelFilter(tenant, name))).toEqual([]);
  if ((await engine.info()).swarm?.manager) {
    expect(await engine.swarm.listServices(labelFilter(tenant, name))).toEqual([]);
    expect(await engine.swarm.listConfigs(labelFilter(tenant, name))).toEqual([]);
  }
}

/** Refusals: exit `code`, the registry and `docker login <registry>` named, nothing made. */
function refusals(env: () => NodeJS.ProcessEnv) {
  it('no login: exit 5 naming the registry and docker login, nothing created', async () => {
    const empty = dockerConfig(reg.dir, 'empty', {});
    const r = await sv(quickCreate('nologin', v1.ref), { ...env(), DOCKER_CONFIG: empty });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`registry ${reg.host} wants a login, and there is none for it in ${empty}`);
    expect(r.stderr).toContain(`log in with: docker login ${reg.host}`);
    await nothingOf('nologin');
  });

  it('a wrong password: exit 5 saying the registry refused the login, nothing created', async () => {
    const auth = Buffer.from(`${reg.user}:not-the-password`).toString('base64');
    const wrong = dockerConfig(reg.dir, 'wrong', { auths: { [reg.host]: { auth } } });
    const r = await sv(quickCreate('wrongpw', v1.ref), { ...env(), DOCKER_CONFIG: wrong });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      new RegExp(`registry ${reg.host} refused the login for it from \\S*wrong/config.json`),
    );
    expect(r.stderr).toContain(`log in with: docker login ${reg.host}`);
    await nothingOf('wrongpw');
  });

  it('a repository the registry does not have: exit 3 naming the registry, nothing created', async () => {
    const r = await sv(quickCreate('norepo', `${reg.host}/acc/nothere:1`), env());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`image "${reg.host}/acc/nothere:1" is not in registry ${reg.host}`);
    await nothingOf('norepo');
  });
}

describe('on the local engine', () => {
  it('create, scale and rolling-update pull the private image with the docker login', async () => {
    const port = await freePort();
    await ok(createOf('priv', port, '127.0.0.1', v1.ref, TWO_HTTP_REPLICAS));
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
    await reg.forget([v1.ref]);
    await ok(['scale', 'priv=3']);
    expect(await engine.imageExists(v1.ref)).toBe(true);
    await ok(['rolling-update', '--image', v2.ref, '--dry-run', 'priv']);
    expect(await engine.imageExists(v2.ref)).toBe(false);
    await ok(['rolling-update', '--image', v2.ref, 'priv']);
    expect(await imageColumn('priv')).toBe(v2.ref);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
  });

  it('--pull never refuses an image the engine lacks (exit 3), --pull always pulls one it has', async () => {
    await reg.forget([v1.ref]);
    const never = await sv([...quickCreate('never', v1.ref).slice(0, -1), '--pull', 'never', v1.ref]);
    expect(never.code).toBe(3);
    expect(never.stderr).toContain('the pull policy "never" forbids pulling it');
    await nothingOf('never');
    // Present, but the registry is asked again: with no login that is refused.
    await ok(quickCreate('present', v1.ref));
    const before = (await engine.listContainers(labelFilter(tenant, 'present'))).map((c) => c.name).sort();
    const empty = dockerConfig(reg.dir, 'empty-always', {});
    const always = await sv(['scale', '--pull', 'always', 'present=2'], { DOCKER_CONFIG: empty });
    expect(always.code).toBe(5);
    const after = (await engine.listContainers(labelFilter(tenant, 'present'))).map((c) => c.name).sort();
    expect(after).toEqual(before);
  });

  it('asks the credential helper config.json names for the registry, the registry on its stdin', async () => {
    const bin = join(reg.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const asked = join(reg.dir, 'helper-asked');
    const helper = join(bin, 'docker-credential-svctest');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 1\ncat > '${asked}'\n` +
        `printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$(cat '${asked}')" "$SVC_T_USER" "$SVC_T_PW"\n`,
    );
    chmodSync(helper, 0o755);
    const config = dockerConfig(reg.dir, 'helper', { credHelpers: { [reg.host]: 'svctest' } });
    await reg.forget([v1.ref]);
    await ok(quickCreate('helped', v1.ref), {
      DOCKER_CONFIG: config,
      PATH: `${bin}:${process.env.PATH}`,
      SVC_T_USER: reg.user,
      SVC_T_PW: reg.password,
    });
    expect(readFileSync(asked, 'utf8')).toBe(reg.host);
  });

  it('reads ~/.docker/config.json by default, and DOCKER_CONFIG instead when set', async () => {
    const home = join(reg.dir, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), readFileSync(join(reg.loggedIn, 'config.json')));
    await reg.forget([v1.ref]);
    await ok(quickCreate('homed', v1.ref), { HOME: home, DOCKER_CONFIG: '' });
    await reg.forget([v1.ref]);
    const empty = dockerConfig(reg.dir, 'empty-home', {});
    const r = await sv(quickCreate('overridden', v1.ref), { HOME: home, DOCKER_CONFIG: empty });
    expect(r.code).toBe(5);
    await nothingOf('overridden');
  });

  refusals(() => ({}));

  it('the password is in no label of what svc made', async () => {
    const ids = (await engine.listContainers(labelFilter(tenant))).map((c) => c.id);
    const { stdout } = await run('docker', ['inspect', ...ids], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain(reg.host);
    expect(stdout).not.toContain(reg.password);
    for (const name of ['priv', 'present', 'helped', 'homed']) await ok(['rm', name]);
  });
});

describe('on a one-node swarm', () => {
  const swarm = { SVC_BACKEND: 'swarm' };
  let leaveSwarm: () => Promise<void>;

  beforeAll(async () => {
    leaveSwarm = await ensureSwarm();
  }, 60_000);

  afterAll(async () => {
    await removeTenant(tenant);
    await leaveSwarm();
  }, 120_000);

  /** What the replicas service's tasks run. */
  async function taskImage(name: string): Promise<string> {
    const [s] = await engine.swarm.listServices(labelFilter(tenant, name, 'replica'));
    return s ? runningImage(s) : '';
  }

  it('create, scale and rolling-update: the tasks pull with the login, pinned to the digest', async () => {
    await reg.forget([v1.ref, v2.ref]);
    const port = await freePort();
    await ok(createOf('swpriv', port, '0.0.0.0', v1.ref, TWO_HTTP_REPLICAS), swarm);
    expect(await taskImage('swpriv')).toBe(`${v1.ref}@${v1.digest}`);
    const [s] = JSON.parse((await ok(['inspect', 'swpriv'])).stdout);
    expect(s.Image).toBe(v1.ref);
    expect(await imageColumn('swpriv')).toBe(v1.ref);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
    await ok(['scale', 'swpriv=3']);
    expect(await taskImage('swpriv')).toBe(`${v1.ref}@${v1.digest}`);
    await ok(['rolling-update', '--image', v2.ref, 'swpriv']);
    expect(await taskImage('swpriv')).toBe(`${v2.ref}@${v2.digest}`);
    expect(await imageColumn('swpriv')).toBe(v2.ref);
    expect((await httpGetMany(`http://127.0.0.1:${port}/`, 4)).failures).toEqual([]);
    const ids = (await engine.swarm.listServices(labelFilter(tenant, 'swpriv'))).map((x) => x.id);
    const { stdout } = await run('docker', ['service', 'inspect', ...ids]);
    expect(stdout).not.toContain(reg.password);
  });

  refusals(() => swarm);
});

describe('everything svc printed here', () => {
  it('holds the registry, never the password', () => {
    const all = printed.join('\n');
    expect(all).toContain(reg.host);
    expect(all).not.toContain(reg.password);
    expect(all).not.toContain(Buffer.from(`${reg.user}:${reg.password}`).toString('base64'));
  });
});
