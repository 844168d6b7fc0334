/** Which login a pull carries: none, or one given for one registry that no other registry sees. */
import { describe, expect, it } from 'vitest';
import { domainOfServer, loginFor } from '../../src/engine/registry-login.js';

const auth = { username: 'u', password: 'p', serveraddress: 'x' };

describe('loginFor', () => {
  it('none: no auth, and where a login would have come from', async () => {
    expect(await loginFor({ kind: 'none', from: 'the request' }, 'reg.io:5000/a/b:1')).toEqual({
      registry: 'reg.io:5000',
      key: 'reg.io:5000',
      from: 'the request',
    });
  });

  it("a given login goes to its registry only (with that registry's key), never to another", async () => {
    const login = { kind: 'given' as const, domain: 'reg.io:5000', auth, from: 'the header' };
    expect(await loginFor(login, 'reg.io:5000/a/b:1')).toEqual({
      registry: 'reg.io:5000',
      key: 'reg.io:5000',
      auth: { username: 'u', password: 'p', serveraddress: 'reg.io:5000' },
      from: 'the header',
    });
    const hub = await loginFor(login, 'haproxy:lts-alpine');
    expect(hub.auth).toBeUndefined();
    expect(hub).toMatchObject({ registry: 'docker.io', from: 'the header (a login for reg.io:5000)' });
    const hubLogin = { ...login, domain: 'docker.io' };
    expect((await loginFor(hubLogin, 'nginx')).auth?.serveraddress).toBe('https://index.docker.io/v1/');
  });
});

describe('domainOfServer', () => {
  it('reads a server address as docker does: its host, Docker Hub under any of its names', () => {
    expect(domainOfServer('reg.io:5000')).toBe('reg.io:5000');
    expect(domainOfServer('https://reg.io:5000/v2/')).toBe('reg.io:5000');
    expect(domainOfServer('https://index.docker.io/v1/')).toBe('docker.io');
    expect(domainOfServer('registry-1.docker.io')).toBe('docker.io');
    expect(domainOfServer('docker.io')).toBe('docker.io');
  });
});
