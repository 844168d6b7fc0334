import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  contextDigest,
  type EngineSelection,
  type ResolveEnv,
  resolveEngineEndpoint,
} from '../../src/engine/endpoint.js';
import { EngineUnavailableError, UsageError } from '../../src/errors.js';

let home: string;
let config: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'svc-home-'));
  config = join(home, 'docker-config');
  mkdirSync(config);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** A context as `docker context create` writes it: meta.json under sha256(name), TLS files beside. */
function writeContext(
  name: string,
  host: string,
  opts: { skipTlsVerify?: boolean; tls?: Record<'ca' | 'cert' | 'key', string> } = {},
): void {
  const digest = contextDigest(name);
  const metaDir = join(config, 'contexts', 'meta', digest);
  mkdirSync(metaDir, { recursive: true });
  const meta = {
    Name: name,
    Metadata: { Description: 'written by the test' },
    Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skipTlsVerify ?? false } },
  };
  writeFileSync(join(metaDir, 'meta.json'), JSON.stringify(meta));
  if (opts.tls) {
    const tlsDir = join(config, 'contexts', 'tls', digest, 'docker');
    mkdirSync(tlsDir, { recursive: true });
    for (const [file, text] of Object.entries(opts.tls)) writeFileSync(join(tlsDir, `${file}.pem`), text);
  }
}

function resolve(
  selection: EngineSelection,
  env: NodeJS.ProcessEnv,
  present: string[] = ['/var/run/docker.sock'],
) {
  const r: ResolveEnv = {
    env: { DOCKER_CONFIG: config, ...env },
    home,
    exists: (p) => present.includes(p),
    platform: 'linux',
  };
  return resolveEngineEndpoint(selection, r);
}

describe('resolveEngineEndpoint: the order of the docker CLI', () => {
  beforeEach(() => {
    writeContext('colima', `unix://${home}/.colima/default/docker.sock`);
    writeContext('remote', 'tcp://10.0.0.5:2376', { tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'colima' }));
  });

  it('takes -H over everything else', () => {
    const e = resolve(
      { host: 'tcp://box:2375' },
      { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' },
    );
    expect(e).toMatchObject({ host: 'box', port: 2375, protocol: 'http', context: 'default', source: '-H' });
    expect(e.display).toBe('-H tcp://box:2375');
  });

  it('refuses -H with --context, as docker does', () => {
    expect(() => resolve({ host: 'tcp://box', context: 'remote' }, {})).toThrow(UsageError);
    expect(() => resolve({ host: 'tcp://box', context: 'remote' }, {})).toThrow(
      /either -H\/--host or --context/,
    );
  });

  it('takes --context over DOCKER_HOST (an explicit flag wins, as with docker --context)', () => {
    const e = resolve({ context: 'remote' }, { DOCKER_HOST: 'unix:///x.sock' });
    expect(e).toMatchObject({ host: '10.0.0.5', port: 2376, context: 'remote', source: '--context' });
  });

  it('takes DOCKER_HOST over DOCKER_CONTEXT and the current context', () => {
    const e = resolve({}, { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' });
    expect(e).toMatchObject({
      socketPath: '/x.sock',
      context: 'default',
      display: 'DOCKER_HOST=unix:///x.sock',
    });
  });

  it('takes DOCKER_CONTEXT over the current context of config.json', () => {
    expect(resolve({}, { DOCKER_CONTEXT: 'remote' })).toMatchObject({
      context: 'remote',
      source: 'DOCKER_CONTEXT',
    });
  });

  it("uses config.json's currentContext when nothing else is given", () => {
    const e = resolve({}, { DOCKER_HOST: '  ', DOCKER_CONTEXT: '' });
    expect(e).toMatchObject({
      socketPath: `${home}/.colima/default/docker.sock`,
      url: `unix://${home}/.colima/default/docker.sock`,
      context: 'colima',
    });
    expect(e.source).toBe(`currentContext in ${join(config, 'config.json')}`);
    expect(e.display).toBe(`unix://${home}/.colima/default/docker.sock (context "colima")`);
  });

  it('reads ~/.docker when DOCKER_CONFIG is unset', () => {
    const dotDocker = join(home, '.docker');
    mkdirSync(dotDocker);
    writeFileSync(join(dotDocker, 'config.json'), JSON.stringify({ currentContext: 'nowhere' }));
    const r: ResolveEnv = { env: {}, home, exists: () => true, platform: 'linux' };
    expect(() => resolveEngineEndpoint({}, r)).toThrow(
      /docker context "nowhere" \(currentContext in .*\.docker/,
    );
  });
});

describe('resolveEngineEndpoint: engine URLs', () => {
  it('reads unix://, tcp:// (default port, IPv6) and ssh:// like the docker CLI, and refuses the rest', () => {
    expect(resolve({}, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      display: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
    });
    expect(resolve({}, { DOCKER_HOST: 'tcp://dockerhost' })).toMatchObject({
      host: 'dockerhost',
      port: 2375,
    });
    expect(resolve({}, { DOCKER_HOST: 'tcp://[::1]:2375' })).toMatchObject({ host: '::1', port: 2375 });
    expect(resolve({}, { DOCKER_HOST: 'ssh://root@127.0.0.1:2222' })).toMatchObject({
      protocol: 'ssh',
      username: 'root',
      host: '127.0.0.1',
      port: 2222,
      display: 'DOCKER_HOST=ssh://root@127.0.0.1:2222',
    });
    expect(() => resolve({}, { DOCKER_HOST: 'fd://' })).toThrow(/unsupported DOCKER_HOST=fd:\/\//);
  });
});

describe('resolveEngineEndpoint: the default context', () => {
  it('is the default socket', () => {
    expect(resolve({}, {})).toMatchObject({
      socketPath: '/var/run/docker.sock',
      url: 'unix:///var/run/docker.sock',
      context: 'default',
    });
  });

  it("falls back to Docker Desktop's ~/.docker/run/docker.sock when the default socket is absent", () => {
    const desktop = join(home, '.docker', 'run', 'docker.sock');
    expect(resolve({}, {}, [desktop])).toMatchObject({ socketPath: desktop, context: 'default' });
    expect(resolve({}, {}, [desktop]).display).toMatch(/Docker Desktop; \/var\/run\/docker.sock is absent/);
    expect(resolve({}, {}, [])).toMatchObject({ socketPath: '/var/run/docker.sock' });
  });

  it('is what `default` names: DOCKER_HOST when set, else the socket', () => {
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'default' }));
    expect(resolve({}, {})).toMatchObject({ socketPath: '/var/run/docker.sock', context: 'default' });
    expect(resolve({ context: 'default' }, { DOCKER_HOST: 'tcp://box:2375' })).toMatchObject({
      host: 'box',
      context: 'default',
    });
  });

  it('ignores a config.json it cannot parse, as docker does (it warns)', () => {
    writeFileSync(join(config, 'config.json'), '{ not json');
    expect(resolve({}, {})).toMatchObject({ socketPath: '/var/run/docker.sock' });
  });

  it('uses TLS from DOCKER_CERT_PATH with DOCKER_TLS_VERIFY, or from DOCKER_CONFIG', () => {
    writeFileSync(join(config, 'ca.pem'), 'CA');
    const e = resolve({}, { DOCKER_HOST: 'tcp://box', DOCKER_TLS_VERIFY: '1' });
    expect(e).toMatchObject({ host: 'box', port: 2376, protocol: 'https' });
    expect(e.tls?.verify).toBe(true);
    expect(e.tls?.ca?.toString()).toBe('CA');
    expect(resolve({}, { DOCKER_HOST: 'tcp://box', DOCKER_TLS_VERIFY: '0' }).tls).toBeUndefined();
  });
});

describe('resolveEngineEndpoint: named contexts', () => {
  it('take the endpoint and the TLS material of the context store', () => {
    writeContext('remote', 'tcp://10.0.0.5:2376', { tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } });
    const e = resolve({ context: 'remote' }, {});
    expect(e).toMatchObject({ host: '10.0.0.5', port: 2376, protocol: 'https', url: 'tcp://10.0.0.5:2376' });
    expect(e.tls?.verify).toBe(true);
    expect([e.tls?.ca, e.tls?.cert, e.tls?.key].map(String)).toEqual(['CA', 'CERT', 'KEY']);
    expect(e.display).toBe('tcp://10.0.0.5:2376 (context "remote")');
  });

  it('honour SkipTLSVerify, and speak plain HTTP to a tcp:// context without TLS', () => {
    writeContext('insecure', 'tcp://box:2376', { skipTlsVerify: true });
    writeContext('plain', 'tcp://box:2375');
    expect(resolve({ context: 'insecure' }, {})).toMatchObject({ protocol: 'https', tls: { verify: false } });
    const plain = resolve({ context: 'plain' }, {});
    expect(plain).toMatchObject({ protocol: 'http', port: 2375 });
    expect(plain.tls).toBeUndefined();
  });

  it('with no docker host use the default socket', () => {
    writeContext('empty', '');
    expect(resolve({ context: 'empty' }, {})).toMatchObject({
      socketPath: '/var/run/docker.sock',
      context: 'empty',
    });
  });

  it('that do not exist are a usage error naming the context and where the name came from', () => {
    for (const [selection, env, why] of [
      [{ context: 'bogus' }, {}, '--context'],
      [{}, { DOCKER_CONTEXT: 'bogus' }, 'DOCKER_CONTEXT'],
    ] as const) {
      const err = (() => {
        try {
          resolve(selection, env);
        } catch (e) {
          return e as UsageError;
        }
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect(err?.status).toBe(400);
      expect(err?.message).toContain(`docker context "bogus" (${why}) not found`);
      expect(err?.message).toContain(join(config, 'contexts', 'meta', contextDigest('bogus'), 'meta.json'));
    }
  });

  it('with a broken meta.json are an error naming the file', () => {
    writeContext('broken', 'unix:///x.sock');
    writeFileSync(join(config, 'contexts', 'meta', contextDigest('broken'), 'meta.json'), '{');
    expect(() => resolve({ context: 'broken' }, {})).toThrow(
      /docker context "broken" \(--context\): cannot read/,
    );
  });

  it('on ssh:// are reached through ssh, as [user@]host[:port]', () => {
    writeContext('far', 'ssh://me@box');
    expect(resolve({ context: 'far' }, {})).toMatchObject({
      protocol: 'ssh',
      username: 'me',
      host: 'box',
      port: 22,
      display: 'ssh://me@box (context "far")',
    });
    writeContext('far6', 'ssh://[::1]:2222/');
    expect(resolve({ context: 'far6' }, {})).toMatchObject({ host: '::1', port: 2222 });
    expect(resolve({ context: 'far6' }, {}).username).toBeUndefined();
    writeContext('pathy', 'ssh://me@box/var/run/docker.sock');
    expect(() => resolve({ context: 'pathy' }, {})).toThrow(EngineUnavailableError);
    expect(() => resolve({ context: 'pathy' }, {})).toThrow(
      /unsupported ssh:\/\/me@box\/var\/run\/docker.sock \(context "pathy"\): an ssh engine is ssh:\/\/\[user@\]host\[:port\]/,
    );
  });
});
