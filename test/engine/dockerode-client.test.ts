/**
 * The endpoint → dockerode mapping (unix, tcp, TLS, ssh), the client made out of DOCKER_HOST's
 * sight, and dockerode loaded without the modules only some calls need.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { createServer } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerodeFor, loadDockerode } from '../../src/engine/dockerode-client.js';
import { dockerodeOptions, type SshContext } from '../../src/engine/dockerode-options.js';
import { currentEndpoint } from '../../src/engine/endpoint.js';

const home = mkdtempSync(join(tmpdir(), 'svc-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
// No docker config of the machine's: its current context would otherwise apply.
const NO_CONFIG = { DOCKER_CONFIG: join(home, 'docker-config') };
const endpoint = (env: NodeJS.ProcessEnv) => currentEndpoint({ ...NO_CONFIG, ...env });
const SSH: SshContext = { home, agent: '/run/agent.sock', user: 'local-me' };
/** A DOCKER_CERT_PATH with ca.pem, cert.pem and key.pem (holding CA, CERT and KEY). */
function certPath(): string {
  const certs = join(home, 'certs');
  mkdirSync(certs, { recursive: true });
  for (const f of ['ca', 'cert', 'key']) writeFileSync(join(certs, `${f}.pem`), f.toUpperCase());
  return certs;
}
/** The options of a TLS engine that svc verifies (DOCKER_TLS_VERIFY). */
const verifiedTls = () =>
  dockerodeOptions(
    endpoint({ DOCKER_HOST: 'tcp://remote', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath() }),
    SSH,
  );
/** The agent dockerode is given, and the options it was made with (node keeps them, untyped). */
const agentOf = (o: object) => (o as { agent: http.Agent & { options: object } }).agent;

describe('dockerodeOptions', () => {
  it('speaks to a unix socket, with nothing of a host', () => {
    const o = dockerodeOptions(endpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), SSH);
    expect(o).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      host: undefined,
      protocol: undefined,
    });
    expect('host' in o && 'port' in o && 'version' in o).toBe(true); // given, so docker-modem takes no default
    // node's global agent's settings, and no TLS server name for node to work out per request.
    const agent = agentOf(o);
    expect(agent).toBeInstanceOf(http.Agent);
    expect(agent).not.toBeInstanceOf(https.Agent);
    expect(agent.options).toMatchObject({
      keepAlive: true,
      scheduling: 'lifo',
      timeout: 5000,
      servername: '',
    });
  });

  it('gives agents that docker-modem’s per-request log of the options does not walk', async () => {
    // As docker-modem's buildRequest does for every request, debug log on or off.
    const logged = (o: object) => inspect(o, { showHidden: true, depth: null });
    const o = dockerodeOptions(endpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), SSH);
    const agent = agentOf(o);
    // A socket in its pool, as after the first request.
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, agent }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
      expect(logged({ agent })).toBe('{ agent: [Agent] }');
    } finally {
      agent.destroy();
      server.close();
    }
    expect(logged({ agent: agentOf(verifiedTls()) })).toBe('{ agent: [Agent] }');
  });

  it('speaks plain HTTP to tcp://', () => {
    const o = dockerodeOptions(endpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), SSH);
    expect(o).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
      protocol: 'http',
      socketPath: undefined,
      ca: undefined,
    });
    expect(agentOf(o).options).toMatchObject({ keepAlive: true, servername: '' });
  });

  it('speaks TLS with the material of DOCKER_CERT_PATH, verifying only with DOCKER_TLS_VERIFY', () => {
    const verified = verifiedTls() as ReturnType<typeof dockerodeOptions> & { agent: https.Agent };
    expect(verified).toMatchObject({ host: 'remote', port: 2376, protocol: 'https' });
    expect(String(verified.ca)).toBe('CA');
    expect(String(verified.key)).toBe('KEY');
    expect(verified.agent).toBeInstanceOf(https.Agent);
    expect(verified.agent.options).toMatchObject({ rejectUnauthorized: true, keepAlive: true });
    const unverified = dockerodeOptions(
      endpoint({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: certPath() }),
      SSH,
    ) as ReturnType<typeof dockerodeOptions> & { agent: https.Agent };
    expect(unverified.agent.options).toMatchObject({ rejectUnauthorized: false });
  });

  it('reaches ssh:// engines through docker-modem’s ssh, with the agent, an identity and a host key check', () => {
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'id_ed25519'), 'PLAIN KEY');
    const o = dockerodeOptions(endpoint({ DOCKER_HOST: 'ssh://root@box:2222' }), SSH);
    expect(o).toMatchObject({
      protocol: 'ssh',
      host: 'box',
      port: 2222,
      username: 'root',
      socketPath: undefined,
    });
    expect(o.sshOptions).toMatchObject({ agent: '/run/agent.sock' });
    expect(String(o.sshOptions?.privateKey)).toBe('PLAIN KEY');
    expect(typeof o.sshOptions?.hostVerifier).toBe('function');
    const defaults = dockerodeOptions(endpoint({ DOCKER_HOST: 'ssh://box' }), { ...SSH, agent: undefined });
    expect(defaults).toMatchObject({ port: 22, username: 'local-me' });
  });
});

describe('dockerodeFor', () => {
  it('uses what svc resolved, whatever DOCKER_HOST and its TLS variables say', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        DOCKER_HOST: 'tcp://elsewhere:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: join(home, 'no-such-dir'),
      });
      const docker = dockerodeFor(endpoint({ DOCKER_HOST: 'unix:///chosen.sock' }));
      const modem = docker.modem as unknown as Record<string, unknown>;
      expect(modem).toMatchObject({ socketPath: '/chosen.sock', host: undefined, protocol: 'http' });
      expect(process.env.DOCKER_HOST).toBe('tcp://elsewhere:2376');
    } finally {
      for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('loads dockerode without gRPC, protobufjs, tar-fs or ssh2, which load when first used', () => {
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).map((f) => f.replace(/^.*node_modules\//, ''));
    const Docker = loadDockerode();
    expect(typeof Docker).toBe('function');
    expect(loaded().some((f) => f.startsWith('docker-modem/'))).toBe(true);
    // (their entry files are in require.cache, as stand-ins; what they would load is not)
    for (const pkg of ['@grpc/', 'protobufjs/', 'ssh2/', 'readable-stream/', 'pump/', 'bl/'])
      expect(loaded().filter((f) => f.startsWith(pkg))).toEqual([]);
    // docker-modem's ssh agent, as it makes one for each request to an ssh:// engine.
    const modemLib = join(require.resolve('docker-modem', { paths: [require.resolve('dockerode')] }), '..');
    const sshAgent = require(join(modemLib, 'ssh.js')) as (o: object) => { createConnection: unknown };
    expect(typeof sshAgent({ host: 'box', port: 22, username: 'me' }).createConnection).toBe('function');
    expect(loaded().some((f) => f.startsWith('ssh2/'))).toBe(true);
  });
});
