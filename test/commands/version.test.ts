import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LB_IMAGE } from '../../src/commands/create.js';
import { formatVersion, type VersionInfo } from '../../src/commands/version.js';
import { selectEngine } from '../../src/engine/endpoint.js';
import { EngineUnavailableError } from '../../src/errors.js';
import { buildProgram } from '../../src/program.js';

const TENANT = '7e57'.padEnd(32, 'a');
let dir: string;
let server: http.Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'svc-version-'));
  // An engine that answers GET /version as Docker 20.10 does (note its MinAPIVersion).
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        req.url === '/version'
          ? { Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' }
          : {},
      ),
    );
  });
  await new Promise<void>((r) => server.listen(join(dir, 'docker.sock'), r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  selectEngine({});
});

/** Runs `svc ARGS` in this process; what it printed, and what it threw. */
async function svc(args: string[]): Promise<{ out: string; error?: unknown }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'svc', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  }
}

describe('svc version', () => {
  it('shows the client, its settings and the engine, as JSON with -o json', async () => {
    vi.stubEnv('SVC_TENANT', TENANT);
    vi.stubEnv('SVC_LB_IMAGE', '');
    const { out, error } = await svc(['-H', `unix://${dir}/docker.sock`, 'version', '-o', 'json']);
    expect(error).toBeUndefined();
    const v = JSON.parse(out) as VersionInfo;
    expect(v.Client).toMatchObject({
      Version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      NodeVersion: process.version,
      Context: 'default',
      Endpoint: `unix://${dir}/docker.sock`,
      Tenant: TENANT,
      LoadBalancerImage: DEFAULT_LB_IMAGE,
      LoadBalancerImageFrom: 'default',
    });
    expect(v.Server).toEqual({
      Version: '20.10.24',
      ApiVersion: '1.41',
      MinApiVersion: '1.12',
      Os: 'linux',
      Arch: 'amd64',
    });
  });

  it('names SVC_LB_IMAGE when it chose the load balancer image, in the text form', async () => {
    vi.stubEnv('SVC_TENANT', TENANT);
    vi.stubEnv('SVC_LB_IMAGE', 'svc-test/haproxy:local');
    const { out } = await svc(['version', '--host', `unix://${dir}/docker.sock`]);
    expect(out).toMatch(/^Client: svc\n Version: +\S+\n/);
    expect(out).toContain(' LB image:          svc-test/haproxy:local (SVC_LB_IMAGE)\n');
    expect(out).toContain('\nServer: Docker Engine\n Version:           20.10.24\n');
    expect(out).toContain(' API version:       1.41 (minimum version 1.12)\n');
  });

  it('without an engine prints the client part, then fails as unreachable (exit 5)', async () => {
    vi.stubEnv('SVC_TENANT', TENANT);
    const { out, error } = await svc(['-H', `unix://${dir}/nothing.sock`, 'version', '-o', 'json']);
    expect(JSON.parse(out)).toMatchObject({
      Client: { Endpoint: `unix://${dir}/nothing.sock` },
      Server: null,
    });
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toMatch(
      /cannot reach the Docker engine at -H unix:\/\/.*nothing.sock \(ENOENT\)/,
    );
  });

  it('lays out the text form like docker version', () => {
    const text = formatVersion({
      Client: {
        Version: '1.2.3',
        NodeVersion: 'v20.0.0',
        Os: 'linux',
        Arch: 'x64',
        Context: 'colima',
        Endpoint: 'unix:///c.sock',
        Tenant: TENANT,
        LoadBalancerImage: 'haproxy:lts-alpine',
        LoadBalancerImageFrom: 'default',
      },
      Server: null,
    });
    expect(text).toBe(
      `Client: svc\n Version:           1.2.3\n Node.js:           v20.0.0\n OS/Arch:           linux/x64\n Context:           colima\n Endpoint:          unix:///c.sock\n Tenant:            ${TENANT}\n LB image:          haproxy:lts-alpine (default)\n`,
    );
  });
});
