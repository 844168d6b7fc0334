/**
 * A request's registry login: its own X-Registry-Auth (as the original client encodes it), for
 * one registry, never a login of the server's host; and the server, in process with the fake
 * engine, pulling with it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/server/keys.js';
import { decodeRegistryAuth, requestLogin } from '../../src/server/registry-auth.js';
import { ApiServer } from '../../src/server/server.js';
import { FakeEngine, FakeWorld } from '../support/fake-engine.js';

/** As the original client encodes an AuthConfig: JSON in URL-safe base64. */
const header = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const login = { username: 'me', password: 'pw+/?', serveraddress: 'reg.io:5000' };

describe('decodeRegistryAuth', () => {
  it("reads docker's AuthConfig in URL-safe or standard base64; `auth` is base64 of user:password", () => {
    const expected = {
      auth: { username: 'me', password: 'pw+/?', serveraddress: 'reg.io:5000' },
      server: 'reg.io:5000',
    };
    expect(decodeRegistryAuth(header(login))).toEqual(expected);
    expect(decodeRegistryAuth(Buffer.from(JSON.stringify(login)).toString('base64'))).toEqual(expected);
    const auth = Buffer.from('me:pw+/?').toString('base64');
    expect(decodeRegistryAuth(header({ auth, serveraddress: 'reg.io:5000' }))).toEqual(expected);
    expect(decodeRegistryAuth(header({ identitytoken: 't' }))).toEqual({
      auth: { identitytoken: 't', serveraddress: '' },
      server: undefined,
    });
  });

  it('holds no login: empty (the client sends {} when it has none), not JSON, not an object', () => {
    for (const h of [header({}), header({ serveraddress: 'reg.io' }), 'not base64 JSON', header([1])])
      expect(decodeRegistryAuth(h)).toBeUndefined();
  });
});

describe('requestLogin', () => {
  it('none without a header, or with one holding no login: never a login of the host', () => {
    expect(requestLogin(undefined)).toMatchObject({ kind: 'none' });
    expect(requestLogin(header({}), 'reg.io:5000/a:1')).toMatchObject({
      kind: 'none',
      from: "the request's X-Registry-Auth header (no login in it)",
    });
  });

  it('for the registry it names, else for the registry of the image the request names', () => {
    expect(requestLogin(header(login), 'nginx')).toMatchObject({ kind: 'given', domain: 'reg.io:5000' });
    const { serveraddress: _, ...unnamed } = login;
    expect(requestLogin(header(unnamed), 'other.io/a:1')).toMatchObject({
      kind: 'given',
      domain: 'other.io',
    });
    expect(requestLogin(header(unnamed))).toMatchObject({ kind: 'none' });
  });
});

describe('the server pulls with the request login only', () => {
  const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
  let api: ApiServer | undefined;
  afterEach(async () => {
    api?.closeNow();
    await api?.close();
  });

  async function start(world: FakeWorld) {
    const keys = new KeyStore(mkdtempSync(join(tmpdir(), 'svc-srv-')));
    const key = keys.create(TENANT);
    // The engine given pulls with the host's login (as the CLI's does): requests must not.
    api = new ApiServer({ engine: new FakeEngine(world), keys, lbImage: 'lb', version: '0', log: () => {} });
    const { port } = await api.listen(0, '127.0.0.1');
    return (path: string, more: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.SecretKey}`, ...more },
      });
  }

  it("images/create: none without the header, the header's login with it", async () => {
    const world = new FakeWorld();
    const post = await start(world);
    expect((await post('/v1.23/images/create?fromImage=reg.io:5000/a&tag=1')).status).toBe(200);
    const r = await post('/v1.23/images/create?fromImage=reg.io:5000/a&tag=2', {
      'x-registry-auth': header(login),
    });
    expect(r.status).toBe(200);
    expect(world.pullLogins.map((p) => [p.ref, p.login.kind])).toEqual([
      ['reg.io:5000/a:1', 'none'],
      ['reg.io:5000/a:2', 'given'],
    ]);
    expect(world.pullLogins[1]?.login).toMatchObject({ domain: 'reg.io:5000', auth: { username: 'me' } });
  });
});
