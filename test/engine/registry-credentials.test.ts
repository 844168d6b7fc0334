/**
 * Finding the user's registry login as the docker CLI does: config.json's auths, credsStore and
 * credHelpers, DOCKER_AUTH_CONFIG, DOCKER_CONFIG over ~/.docker; and a credential helper run for
 * real (a small script) with the registry on its stdin. A registry's refusal as a typed error.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  authOfEntry,
  type CredentialSources,
  findCredentials,
  type HelperAnswer,
  hostOfKey,
  parseDockerConfig,
  runCredentialHelper,
} from '../../src/engine/registry-credentials.js';
import { registryError, withoutSecrets } from '../../src/engine/registry-errors.js';
import { EngineUnavailableError, NotFoundError } from '../../src/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const HOME = '/home/me';

/** Sources over in-memory files and a helper answering from a table (calls recorded). */
function sources(
  files: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  helpers: Record<string, HelperAnswer> = {},
) {
  const asked: string[] = [];
  const s: CredentialSources = {
    env,
    home: HOME,
    readFile: (path) => {
      const v = files[path];
      return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
    },
    helper: async (name, server) => {
      asked.push(`${name} ${server}`);
      return helpers[name];
    },
  };
  return { s, asked };
}

const DEFAULT_FILE = `${HOME}/.docker/config.json`;

describe('config.json', () => {
  it('reads auths, credsStore and credHelpers, and nothing else', () => {
    const c = parseDockerConfig(
      JSON.stringify({
        auths: { 'a.io': { auth: 'x' }, bad: 'str' },
        credsStore: 'desktop',
        credHelpers: { 'gcr.io': 'gcloud', n: 1 },
        currentContext: 'x',
      }),
    );
    expect(c).toEqual({
      auths: { 'a.io': { auth: 'x' } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud' },
    });
    expect(parseDockerConfig('')).toEqual({ auths: {}, credsStore: undefined, credHelpers: {} });
    expect(() => parseDockerConfig('[1]')).toThrow(/JSON object/);
  });

  it('decodes an auth as user and password (the password may hold colons), or takes tokens as they are', () => {
    expect(authOfEntry({ auth: b64('me:pa:ss:word') }, 'r.io')).toEqual({
      username: 'me',
      password: 'pa:ss:word',
      serveraddress: 'r.io',
    });
    expect(authOfEntry({ auth: b64('me:pw\0\0') }, 'r.io')?.password).toBe('pw');
    expect(authOfEntry({ identitytoken: 'tok' }, 'r.io')).toEqual({
      identitytoken: 'tok',
      serveraddress: 'r.io',
    });
    expect(authOfEntry({}, 'r.io')).toBeUndefined();
    expect(() => authOfEntry({ auth: b64('nocolon') }, 'r.io')).toThrow(/not base64 of user:password/);
  });

  it('matches an older key written as a URL by its host', () => {
    expect(hostOfKey('https://reg.example.com:5000/v1/')).toBe('reg.example.com:5000');
    expect(hostOfKey('reg.example.com')).toBe('reg.example.com');
  });
});

describe('findCredentials', () => {
  it('uses auths under the registry key: host:port, or Docker Hub index URL for docker.io images', async () => {
    const { s } = sources({
      [DEFAULT_FILE]: {
        auths: {
          '127.0.0.1:5000': { auth: b64('alice:pw1') },
          'https://index.docker.io/v1/': { auth: b64('bob:pw2') },
        },
      },
    });
    expect(await findCredentials('127.0.0.1:5000/acc/app:1', s)).toEqual({
      registry: '127.0.0.1:5000',
      key: '127.0.0.1:5000',
      auth: { username: 'alice', password: 'pw1', serveraddress: '127.0.0.1:5000' },
      from: DEFAULT_FILE,
    });
    const hub = await findCredentials('team/app', s);
    expect(hub).toMatchObject({ registry: 'docker.io', key: 'https://index.docker.io/v1/' });
    expect(hub.auth?.username).toBe('bob');
    expect((await findCredentials('other.io/app', s)).auth).toBeUndefined();
  });

  it('finds an older URL-shaped key by its host', async () => {
    const { s } = sources({ [DEFAULT_FILE]: { auths: { 'https://reg.io/v1/': { auth: b64('u:p') } } } });
    expect((await findCredentials('reg.io/app', s)).auth?.password).toBe('p');
  });

  it('reads $DOCKER_CONFIG/config.json instead of ~/.docker when set', async () => {
    const { s } = sources(
      { '/elsewhere/config.json': { auths: { 'r.io': { auth: b64('u:p') } } }, [DEFAULT_FILE]: {} },
      { DOCKER_CONFIG: '/elsewhere' },
    );
    expect(await findCredentials('r.io/app', s)).toMatchObject({
      from: '/elsewhere/config.json',
      auth: { username: 'u' },
    });
  });

  it("asks the registry's credHelper before the credsStore, and either before auths", async () => {
    const { s, asked } = sources(
      {
        [DEFAULT_FILE]: {
          credsStore: 'store',
          credHelpers: { 'gcr.io': 'gcr' },
          auths: { 'gcr.io': {}, 'r.io': { auth: b64('u:p') } },
        },
      },
      {},
      { gcr: { username: 'oauth2', secret: 's1' }, store: { username: '<token>', secret: 'tok' } },
    );
    expect((await findCredentials('gcr.io/p/app', s)).auth).toEqual({
      username: 'oauth2',
      password: 's1',
      serveraddress: 'gcr.io',
    });
    // A helper answering "<token>" gives an identity token (as docker's native store).
    const r = await findCredentials('r.io/app', s);
    expect(r.auth).toEqual({ identitytoken: 'tok', serveraddress: 'r.io' });
    expect(r.from).toBe(`docker-credential-store (named in ${DEFAULT_FILE})`);
    expect(asked).toEqual(['gcr gcr.io', 'store r.io']);
  });

  it('has no login where the helper has none, or fails (saying why)', async () => {
    const { s } = sources({ [DEFAULT_FILE]: { credsStore: 'store' } });
    expect((await findCredentials('r.io/app', s)).auth).toBeUndefined();
    const failing: CredentialSources = {
      ...s,
      helper: async () => {
        throw new Error('credential helper docker-credential-store is not on the PATH');
      },
    };
    expect(await findCredentials('r.io/app', failing)).toEqual({
      registry: 'r.io',
      key: 'r.io',
      from: `docker-credential-store (named in ${DEFAULT_FILE}), which failed: credential helper docker-credential-store is not on the PATH`,
    });
  });

  it('takes DOCKER_AUTH_CONFIG first, and passes over a malformed one', async () => {
    const files = { [DEFAULT_FILE]: { auths: { 'r.io': { auth: b64('file:p') } } } };
    const env = { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'r.io': { auth: b64('env:p') } } }) };
    expect(await findCredentials('r.io/app', sources(files, env).s)).toMatchObject({
      auth: { username: 'env' },
      from: 'DOCKER_AUTH_CONFIG',
    });
    const bad = sources(files, { DOCKER_AUTH_CONFIG: '{' }).s;
    expect((await findCredentials('r.io/app', bad)).auth?.username).toBe('file');
  });

  it('takes a missing or unreadable config file as an empty one, and says so', async () => {
    expect(await findCredentials('r.io/app', sources({}).s)).toEqual({
      registry: 'r.io',
      key: 'r.io',
      from: DEFAULT_FILE,
    });
    const broken = await findCredentials('r.io/app', sources({ [DEFAULT_FILE]: '{nope' }).s);
    expect(broken.auth).toBeUndefined();
    expect(broken.from).toMatch(/config\.json \(unreadable: .*JSON/);
  });
});

describe('a credential helper, run for real', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-cred-helper-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };

  function helper(name: string, body: string): void {
    const file = join(dir, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }

  it('is given `get` and the registry key on stdin, and answers JSON', async () => {
    helper(
      'fake',
      `[ "$1" = get ] || exit 9\nread -r server || true\necho "$server" > '${dir}/asked'\nprintf '{"ServerURL":"%s","Username":"me","Secret":"s3"}' "$server"`,
    );
    expect(await runCredentialHelper('fake', 'https://index.docker.io/v1/', env)).toEqual({
      username: 'me',
      secret: 's3',
    });
    expect(readFileSync(join(dir, 'asked'), 'utf8')).toBe('https://index.docker.io/v1/\n');
  });

  it('has nothing for a registry it answers "credentials not found" for', async () => {
    helper('empty', "echo 'credentials not found in native keychain'; exit 1");
    expect(await runCredentialHelper('empty', 'r.io', env)).toBeUndefined();
  });

  it('failing, missing or answering garbage is an error naming it (never echoing a secret it printed)', async () => {
    helper('broken', "echo 'keychain locked' ; exit 3");
    await expect(runCredentialHelper('broken', 'r.io', env)).rejects.toThrow(
      'credential helper docker-credential-broken failed for r.io (exit 3): keychain locked',
    );
    await expect(runCredentialHelper('absent', 'r.io', env)).rejects.toThrow(
      /docker-credential-absent is not on the PATH/,
    );
    helper('garbage', 'echo \'{"Secret": "leak\' ');
    const err = await runCredentialHelper('garbage', 'r.io', env).catch((e) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).not.toContain('leak');
  });
});

describe("a registry's refusal", () => {
  const none = { registry: '127.0.0.1:5000', key: '127.0.0.1:5000', from: '/c/config.json' };
  const login = { ...none, auth: { username: 'u', password: 'hunter2', serveraddress: '127.0.0.1:5000' } };
  const engineSaid = (message: string, statusCode = 500) =>
    Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message} `), {
      statusCode,
      json: { message },
    });
  const ref = '127.0.0.1:5000/acc/app:1';

  it('without a login: exit 5, the registry named, and where no login was found', () => {
    const e = registryError(engineSaid('Head "http://…": no basic auth credentials'), ref, none);
    expect(e).toBeInstanceOf(EngineUnavailableError);
    expect(e?.message).toBe(
      `cannot pull "${ref}": registry 127.0.0.1:5000 wants a login, and there is none for it in /c/config.json (Head "http://…": no basic auth credentials)`,
    );
    expect(e?.hint).toEqual({ kind: 'registry-login', registry: '127.0.0.1:5000' });
  });

  it('a login refused: exit 5, saying where the login came from', () => {
    const e = registryError(engineSaid('unauthorized: authentication required', 401), ref, login);
    expect(e).toBeInstanceOf(EngineUnavailableError);
    expect(e?.message).toContain('registry 127.0.0.1:5000 refused the login for it from /c/config.json');
  });

  it('an image the registry lacks: exit 3; Docker Hub not saying which: exit 3 with the login hint', () => {
    const missing = registryError(engineSaid('manifest unknown: manifest unknown', 404), ref, login);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing?.message).toContain('is not in registry 127.0.0.1:5000');
    expect(missing?.hint).toBeUndefined();
    const hub = { registry: 'docker.io', key: 'https://index.docker.io/v1/', from: '/c/config.json' };
    const ambiguous = registryError(
      engineSaid("pull access denied for team/app, repository does not exist or may require 'docker login'"),
      'team/app',
      hub,
    );
    expect(ambiguous).toBeInstanceOf(NotFoundError);
    expect(ambiguous?.message).toContain('is not in registry Docker Hub (docker.io), or it needs a login');
    expect(ambiguous?.hint).toEqual({ kind: 'registry-login', registry: 'docker.io' });
  });

  it('anything else is not its business; a secret in the words is blanked out', () => {
    expect(
      registryError(engineSaid('dial tcp 127.0.0.1:5000: connection refused'), ref, none),
    ).toBeUndefined();
    expect(withoutSecrets('denied for hunter2', login)).toBe('denied for ***');
    expect(registryError(engineSaid('denied: hunter2'), ref, login)?.message).not.toContain('hunter2');
  });
});
